"""Named shortlists: a buyer's private lists of tools, with CSV and XLSX export."""
