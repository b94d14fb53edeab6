"""The public tracking page: one branded, unguessable link per tracking (links), what the page
may show of a tracking (view), its wording in the customer's language (wording), the HTML
(render) and the HTTP answer with its caching and security headers (endpoint)."""
