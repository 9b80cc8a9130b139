#ifndef KCT_CHTTPPARSER_SHIM_H
#define KCT_CHTTPPARSER_SHIM_H
#include <http_parser.h>

// HTTP_PARSER_ERRNO is a macro over a bit-field: Swift cannot read bit-fields through a macro.
static inline enum http_errno kct_http_parser_errno(const http_parser *parser) {
    return (enum http_errno)parser->http_errno;
}

#endif
