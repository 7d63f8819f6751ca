"""What every GraphQL domain shares: client errors, page sizes, cursors and page info, enum arguments."""
