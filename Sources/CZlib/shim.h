#ifndef KCT_CZLIB_SHIM_H
#define KCT_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro that passes the zlib version and struct size; Swift cannot expand it.
static inline int kct_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// inflateInit2 likewise; 15 + 32 accepts both zlib and gzip headers.
static inline int kct_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

// Raw deflate (no header or checksum) for records stored one by one with a preset dictionary
// (central's log, LogChangeCodec): a zlib header and Adler-32 would cost 6 bytes a record.
// Fixed Huffman codes: a change of ~600 B inflates in ~1.1 us instead of ~3.9 us (no code tables
// to build per record), for 189 B instead of 163 B a change (measured on 15,000 changes).
static inline int kct_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_FIXED);
}

static inline int kct_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}

#endif
