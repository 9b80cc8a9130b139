/// An error a handler throws to answer with a given status and a short text body saying why.
/// Any other error thrown by a handler becomes a 500 whose body does not leak the error.
package struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    package var status: HTTPStatus
    package var message: String
    package var headers: HTTPHeaders

    package init(_ status: HTTPStatus, _ message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    package var description: String { "\(status): \(message)" }

    /// The response sent for this error.
    package var response: HTTPResponse {
        var response = HTTPResponse.text(message + "\n", status: status)
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }
}
