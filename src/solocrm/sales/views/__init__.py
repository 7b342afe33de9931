"""The sales pages: the deals board and list, deals, orders, products, sales figures."""
