#ifndef KCT_CHTTPPARSER_SHIM_H
#define KCT_CHTTPPARSER_SHIM_H
#include <http_parser.h>

// HTTP_PARSER_ERRNO is a macro over a bit-field: Swift cannot read bit-fields through a macro.
static inline enum http_errno kct_http_parser_errno(const http_parser *parser) {
    return (enum http_errno)parser->http_errno;
}

// `method` is a bit-field; a function gives Swift one typed way to read it.
static inline enum http_method kct_http_parser_method(const http_parser *parser) {
    return (enum http_method)parser->method;
}

// `upgrade` is a bit-field too (set when an Upgrade/CONNECT request stopped the parser).
static inline int kct_http_parser_upgrade(const http_parser *parser) {
    return parser->upgrade;
}

// F_CONTENTLENGTH lives in the `flags` bit-field; content_length alone cannot tell "no header"
// from a declared length, and the server must reject a too-large declared length before the body.
static inline int kct_http_parser_has_content_length(const http_parser *parser) {
    return (parser->flags & F_CONTENTLENGTH) != 0;
}

#endif
