import CCurl
import EventLoop

/// One easy handle's transfer: its options, the response being collected, and how it ends.
final class CurlTransfer {
    enum Mode {
        /// Collect the whole body, then complete.
        case buffered((Result<HTTPClientResponse, HTTPClientError>) -> Void)
        /// Hand body bytes to `onData` as they arrive (`false` from it aborts); `onEnd` when done.
        case streaming(
            onHead: (HTTPStatus, HTTPHeaders) -> Bool, onData: ([UInt8]) -> Bool,
            onEnd: (HTTPClientError?) -> Void)
    }

    unowned let client: HTTPClient
    let url: String
    let acceptedStatuses: Range<Int>
    let maxBytes: Int
    private var mode: Mode?
    var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Retains `self` while curl holds it in CURLOPT_PRIVATE and the callbacks' userdata.
    private var selfReference: Unmanaged<CurlTransfer>?

    private(set) var status = HTTPStatus(0)
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []
    private var headDelivered = false
    private var isCancelled = false
    private var tooLarge = false
    private var isFinished = false

    init(client: HTTPClient, url: String, acceptedStatuses: Range<Int>, maxBytes: Int, mode: Mode) {
        self.client = client
        self.url = url
        self.acceptedStatuses = acceptedStatuses
        self.maxBytes = maxBytes
        self.mode = mode
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
    }

    // MARK: Setup

    func configure(
        method: HTTPMethod, headers requestHeaders: HTTPHeaders, body requestBody: [UInt8]?,
        timeout: Duration?, lowSpeedLimit: Duration?, configuration: HTTPClient.Configuration
    ) -> HTTPClientError? {
        guard let easy else { return nil }
        let reference = Unmanaged.passRetained(self)
        selfReference = reference
        let context = reference.toOpaque()
        var failures: [(CURLoption, CURLcode)] = []
        func check(_ option: CURLoption, _ code: CURLcode) { if code != CURLE_OK { failures.append((option, code)) } }

        check(CURLOPT_URL, kct_curl_easy_setopt_string(easy, CURLOPT_URL, url))
        check(CURLOPT_PRIVATE, kct_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, context))
        check(CURLOPT_NOSIGNAL, kct_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(
            CURLOPT_ERRORBUFFER,
            kct_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        check(
            CURLOPT_WRITEFUNCTION, kct_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, transferReceivedBody)
        )
        check(CURLOPT_WRITEDATA, kct_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        check(
            CURLOPT_HEADERFUNCTION,
            kct_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, transferReceivedHeader))
        check(CURLOPT_HEADERDATA, kct_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        // "" = every encoding curl supports (gzip, deflate…), decoded transparently.
        check(CURLOPT_ACCEPT_ENCODING, kct_curl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
        check(CURLOPT_USERAGENT, kct_curl_easy_setopt_string(easy, CURLOPT_USERAGENT, configuration.userAgent))
        check(
            CURLOPT_CONNECTTIMEOUT_MS,
            kct_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.uvMilliseconds))
        )
        if let timeout {
            check(
                CURLOPT_TIMEOUT_MS,
                kct_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(max(1, timeout.uvMilliseconds))))
        }
        if let lowSpeedLimit {
            // Fewer than 1 byte/s for this long aborts with CURLE_OPERATION_TIMEDOUT: a stream
            // whose heartbeats stopped is dead even if the socket still looks open.
            check(CURLOPT_LOW_SPEED_LIMIT, kct_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1))
            check(
                CURLOPT_LOW_SPEED_TIME,
                kct_curl_easy_setopt_long(
                    easy, CURLOPT_LOW_SPEED_TIME,
                    max(1, Int(lowSpeedLimit.uvMilliseconds / 1000))))
        }
        if let caFile = configuration.caFile {
            check(CURLOPT_CAINFO, kct_curl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile))
        }
        if !configuration.verifyPeer {
            check(CURLOPT_SSL_VERIFYPEER, kct_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0))
            check(CURLOPT_SSL_VERIFYHOST, kct_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0))
        }
        switch method {
        case .get:
            check(CURLOPT_HTTPGET, kct_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case .head:
            check(CURLOPT_NOBODY, kct_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        case .post:
            check(CURLOPT_POST, kct_curl_easy_setopt_long(easy, CURLOPT_POST, 1))
        default:
            check(CURLOPT_CUSTOMREQUEST, kct_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.name))
        }
        if let requestBody {
            check(
                CURLOPT_POSTFIELDSIZE_LARGE,
                kct_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(requestBody.count)))
            // COPYPOSTFIELDS copies the bytes, so the array need not outlive this call.
            let copied = requestBody.withUnsafeBytes { bytes in
                kct_curl_easy_setopt_pointer(
                    easy, CURLOPT_COPYPOSTFIELDS,
                    UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
            check(CURLOPT_COPYPOSTFIELDS, copied)
        } else if method == .post || method == .put || method == .patch {
            check(CURLOPT_POSTFIELDSIZE_LARGE, kct_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0))
            check(CURLOPT_COPYPOSTFIELDS, kct_curl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, ""))
        }
        // curl would otherwise add "Expect: 100-continue" to large bodies and wait for it.
        var list = curl_slist_append(nil, "Expect:")
        for (name, value) in requestHeaders {
            guard !name.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }),
                !value.contains(where: { $0 == "\r" || $0 == "\n" })
            else {
                curl_slist_free_all(list)
                return HTTPClientError(
                    kind: .invalidRequest, url: url, message: "header '\(name)' contains a line break or colon")
            }
            list = curl_slist_append(list, "\(name): \(value)")
        }
        headerList = list
        check(CURLOPT_HTTPHEADER, kct_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list))

        if let (option, code) = failures.first {
            return HTTPClientError(
                kind: .invalidRequest, url: url,
                message: "curl option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))",
                curlCode: Int(code.rawValue))
        }
        return nil
    }

    /// Frees the header list and drops curl's reference; called when the easy handle is recycled.
    func releaseCResources() {
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        selfReference?.release()
        selfReference = nil
    }

    // MARK: Callbacks from curl

    fileprivate func receivedHeader(_ line: UnsafeRawBufferPointer) -> Bool {
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let text = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self))
        if text.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue or a redirect) starts a new header block.
            headers = HTTPHeaders()
            let parts = text.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, let code = Int(parts[1]) { status = HTTPStatus(code) }
        } else if let colon = text.firstIndex(of: ":") {
            headers.add(String(text[..<colon]), String(text[text.index(after: colon)...].trimmingSpaces))
        } else if text.isEmpty, status.code >= 200, !headDelivered, case .streaming(let onHead, _, _) = mode {
            // End of the final header block: a stream learns it is open before any body arrives.
            headDelivered = true
            if !onHead(status, headers) {
                isCancelled = true
                return false
            }
        }
        return !isCancelled
    }

    fileprivate func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !isCancelled else { return false }
        switch mode {
        case .buffered:
            if body.count + bytes.count > maxBytes {
                tooLarge = true
                return false
            }
            body.append(contentsOf: bytes)
            return true
        case .streaming(let onHead, let onData, _):
            if !headDelivered {
                headDelivered = true
                if !onHead(status, headers) {
                    isCancelled = true
                    return false
                }
            }
            return onData(Array(bytes)) && !isCancelled
        case nil:
            return false
        }
    }

    func captureStatus() {
        guard let easy else { return }
        var code = 0
        kct_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        if code != 0 { status = HTTPStatus(code) }
    }

    // MARK: Ending

    func finish(code: CURLcode) {
        if isCancelled {
            finishCancelled()
            return
        }
        if code != CURLE_OK {
            fail(error(for: code))
            return
        }
        if case .streaming(let onHead, _, _) = mode, !headDelivered {
            headDelivered = true
            if !onHead(status, headers) {
                finishCancelled()
                return
            }
        }
        if !acceptedStatuses.contains(status.code) {
            fail(
                HTTPClientError(
                    kind: .httpStatus, url: url, message: "server answered \(status)",
                    status: status, body: body, headers: headers))
            return
        }
        complete(.success(HTTPClientResponse(status: status, headers: headers, body: body)))
    }

    func finishCancelled() {
        fail(HTTPClientError(kind: .cancelled, url: url, message: "the request was cancelled"))
    }

    func fail(_ error: HTTPClientError) { complete(.failure(error)) }

    private func complete(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard !isFinished, let mode else { return }
        isFinished = true
        self.mode = nil
        switch mode {
        case .buffered(let completion):
            completion(result)
        case .streaming(_, _, let onEnd):
            switch result {
            case .success: onEnd(nil)
            case .failure(let error): onEnd(error)
            }
        }
    }

    func cancel() {
        guard !isFinished else { return }
        isCancelled = true
        if easy != nil {
            client.remove(self)
            if client.curlDepth == 0 { finishCancelled() }
        } else {
            finishCancelled()
        }
    }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let kind: HTTPClientError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT: kind = .connectionRefused
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .hostNotFound
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .invalidRequest
        case CURLE_WRITE_ERROR where tooLarge, CURLE_FILESIZE_EXCEEDED: kind = .responseTooLarge
        default: kind = .transport
        }
        return HTTPClientError(
            kind: kind, url: url,
            message: kind == .responseTooLarge ? "response body exceeds \(maxBytes) bytes" : message,
            curlCode: Int(code.rawValue), status: status.code == 0 ? nil : status)
    }
}

private let transferReceivedBody: kct_curl_data_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let length = size * count
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let accepted = transfer.receivedBody(UnsafeRawBufferPointer(start: buffer, count: length))
    return accepted ? length : 0
}

private let transferReceivedHeader: kct_curl_data_callback = { buffer, size, count, userdata in
    guard let userdata else { return 0 }
    let length = size * count
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receivedHeader(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}
