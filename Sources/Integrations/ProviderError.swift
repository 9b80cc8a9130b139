/// Why an intent could not be turned into a provider request, or an answer could not be read.
package enum ProviderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The intent is not something the provider accepts (e.g. an amount Stripe cannot charge).
    case invalidIntent(String)
    /// A provider answered 2xx with a body we could not read.
    case malformedAnswer(provider: String, String)

    package var description: String {
        switch self {
        case .invalidIntent(let message): message
        case .malformedAnswer(let provider, let message): "\(provider) answered with an unreadable body: \(message)"
        }
    }
}
