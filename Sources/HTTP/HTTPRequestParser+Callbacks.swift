import CHTTPParser

/// http-parser's callbacks. Each gets the parser, whose `data` is the (unretained)
/// `HTTPRequestParser`; it outlives every `http_parser_execute` call on its parser.
extension HTTPRequestParser {
    static func makeSettings() -> UnsafeMutablePointer<http_parser_settings> {
        let settings = UnsafeMutablePointer<http_parser_settings>.allocate(capacity: 1)
        settings.initialize(to: http_parser_settings())
        settings.pointee.on_message_begin = { parser in HTTPRequestParser.owner(parser).messageBegan() }
        settings.pointee.on_url = { parser, at, length in HTTPRequestParser.owner(parser).appendURL(at, length) }
        settings.pointee.on_header_field = { parser, at, length in
            HTTPRequestParser.owner(parser).appendHeaderField(at, length)
        }
        settings.pointee.on_header_value = { parser, at, length in
            HTTPRequestParser.owner(parser).appendHeaderValue(at, length)
        }
        settings.pointee.on_headers_complete = { parser in HTTPRequestParser.owner(parser).headersCompleted() }
        settings.pointee.on_body = { parser, at, length in HTTPRequestParser.owner(parser).appendBody(at, length) }
        settings.pointee.on_message_complete = { parser in HTTPRequestParser.owner(parser).messageCompleted() }
        return settings
    }

    @inline(__always)
    fileprivate static func owner(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPRequestParser {
        Unmanaged<HTTPRequestParser>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    /// Non-zero return values make http-parser stop with a callback error; `rejection` says why.
    private static let stop: Int32 = -1

    fileprivate func messageBegan() -> Int32 {
        url.removeAll(keepingCapacity: true)
        headerFields.removeAll(keepingCapacity: true)
        fieldBytes.removeAll(keepingCapacity: true)
        valueBytes.removeAll(keepingCapacity: true)
        body = []
        lastCallbackWasValue = false
        headerByteCount = 0
        delegate?.requestBegan()
        return 0
    }

    private func countHeaderBytes(_ length: Int) -> Bool {
        headerByteCount += length
        if headerByteCount > maxHeaderBytes {
            rejection = HTTPError(
                .requestHeaderFieldsTooLarge, "request line and headers exceed \(maxHeaderBytes) bytes")
            return false
        }
        return true
    }

    fileprivate func appendURL(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        guard countHeaderBytes(length), let at else { return Self.stop }
        url.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    fileprivate func appendHeaderField(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        // A new field also costs its ": " and line end on the wire; count them so many tiny
        // headers cannot slip under the limit.
        let startsField = lastCallbackWasValue || fieldBytes.isEmpty
        guard countHeaderBytes(length + (startsField ? 4 : 0)), let at else { return Self.stop }
        if lastCallbackWasValue {
            commitHeader()
            lastCallbackWasValue = false
        }
        fieldBytes.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    fileprivate func appendHeaderValue(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        guard countHeaderBytes(length), let at else { return Self.stop }
        lastCallbackWasValue = true
        valueBytes.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    private func commitHeader() {
        headerFields.append((String(decoding: fieldBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self)))
        fieldBytes.removeAll(keepingCapacity: true)
        valueBytes.removeAll(keepingCapacity: true)
    }

    fileprivate func headersCompleted() -> Int32 {
        if lastCallbackWasValue || !fieldBytes.isEmpty { commitHeader() }
        if kct_http_parser_has_content_length(parser) != 0, parser.pointee.content_length > UInt64(maxBodyBytes) {
            rejection = HTTPError(
                .payloadTooLarge,
                "request body of \(parser.pointee.content_length) bytes exceeds the limit of \(maxBodyBytes)")
            return Self.stop
        }
        // A client waiting for "100 Continue" gets it only when the body is acceptable.
        let expectsContinue =
            parser.pointee.http_major == 1 && parser.pointee.http_minor >= 1
            && headerFields.contains(where: {
                HTTPHeaders.namesEqual($0.0, "Expect") && HTTPHeaders.namesEqual($0.1, "100-continue")
            })
        delegate?.requestHeadersCompleted(expectsContinue: expectsContinue)
        return 0
    }

    fileprivate func appendBody(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        guard let at else { return Self.stop }
        if body.count + length > maxBodyBytes {
            rejection = HTTPError(.payloadTooLarge, "request body exceeds the limit of \(maxBodyBytes) bytes")
            return Self.stop
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    fileprivate func messageCompleted() -> Int32 {
        let method = HTTPMethod(parsed: kct_http_parser_method(parser))
        var request = HTTPRequest(
            method: method, target: String(decoding: url, as: UTF8.self),
            headers: HTTPHeaders(headerFields), body: body,
            version: (Int(parser.pointee.http_major), Int(parser.pointee.http_minor)))
        request.pathParameters = [:]
        completedRequest = request
        // An Upgrade (or CONNECT) is answered as a plain request and the connection then closed:
        // http-parser stops parsing after such a message, treating what follows as another protocol.
        completedKeepAlive = http_should_keep_alive(parser) != 0 && kct_http_parser_upgrade(parser) == 0
        body = []
        // Pause so `execute` can hand the request over before reading the next one.
        http_parser_pause(parser, 1)
        return 0
    }
}
