import EventLoop
import HTTP
import Integrations
import SyncCore

/// `POST /webhooks/stripe|easypost|sendgrid`: no bearer token; each is verified by its
/// provider's signature over the raw body (on the thread pool), then acted on in one
/// transaction with its de-duplication by event id. A refused delivery gets 400 and changes
/// nothing; a duplicate gets 200 (so the provider stops resending) and changes nothing.
extension CentralEndpoints {

    func stripeWebhook(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let secret = options.integrations.stripe?.webhookSecret else {
            return notConfigured(responder, "stripe", "Stripe webhooks", key: "KCT_STRIPE_WEBHOOK_SECRET")
        }
        let verifier = StripeWebhookVerifier(secret: secret)
        let body = request.body
        let signature = request.headers[StripeWebhookVerifier.signatureHeader]
        verifiedDelivery(
            responder, provider: "stripe",
            verify: { () throws(WebhookVerificationError) in
                [try verifier.verifiedEvent(payload: body, signatureHeader: signature)]
            },
            apply: { (store, event, planner) throws(CentralError) in try store.apply(event, planner: planner) })
    }

    func easyPostWebhook(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let secret = options.integrations.easyPost?.webhookSecret else {
            return notConfigured(responder, "easypost", "EasyPost webhooks", key: "KCT_EASYPOST_WEBHOOK_SECRET")
        }
        let verifier = EasyPostWebhookVerifier(secret: secret)
        let body = request.body
        let signature = request.headers[EasyPostWebhookVerifier.signatureHeader]
        verifiedDelivery(
            responder, provider: "easypost",
            verify: { () throws(WebhookVerificationError) in
                [try verifier.verifiedEvent(payload: body, signatureHeader: signature)]
            },
            apply: { (store, event, planner) throws(CentralError) in try store.apply(event, planner: planner) })
    }

    func sendGridWebhook(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let key = options.integrations.sendGrid?.webhookPublicKey else {
            return notConfigured(
                responder, "sendgrid", "SendGrid's event webhook", key: "KCT_SENDGRID_WEBHOOK_PUBLIC_KEY")
        }
        let body = request.body
        let signature = request.headers[SendGridWebhookVerifier.signatureHeader]
        let timestamp = request.headers[SendGridWebhookVerifier.timestampHeader]
        verifiedDelivery(
            responder, provider: "sendgrid",
            verify: { () throws(WebhookVerificationError) in
                try SendGridWebhookVerifier(publicKeyBase64: key).verifiedEvents(
                    payload: body, signatureHeader: signature, timestampHeader: timestamp)
            },
            apply: { (store, event, planner) throws(CentralError) in try store.apply(event, planner: planner) })
    }

    /// One delivery: its signature verified (`verify` gives its events), then each event acted on.
    private func verifiedDelivery<Event>(
        _ responder: HTTPResponder, provider: String,
        verify: @escaping @Sendable () throws(WebhookVerificationError) -> [Event],
        apply: @escaping WebhookEventAction<Event>
    ) {
        let store = self.store
        let planner = effects.planner
        acted(responder, provider: provider) { () throws(WebhookFailure) in
            let events: [Event]
            do throws(WebhookVerificationError) { events = try verify() } catch { throw .refused(error) }
            var results: [AuthoringResult<WebhookResult>] = []
            for event in events {
                do throws(CentralError) {
                    results.append(try apply(store, event, planner))
                } catch {
                    throw .store(error)
                }
            }
            return results
        }
    }

    /// Acts on one verified event in its own transaction.
    typealias WebhookEventAction<Event> =
        @Sendable (CentralStore, Event, EffectPlanner) throws(CentralError) -> AuthoringResult<WebhookResult>

    /// Why a delivery was not acted on.
    enum WebhookFailure: Error {
        case refused(WebhookVerificationError)
        case store(CentralError)
    }

    /// Verification and the transaction on the thread pool; the answer, the head and the
    /// effects runner on the loop.
    private func acted(
        _ responder: HTTPResponder, provider: String,
        _ work: @escaping @Sendable () throws(WebhookFailure) -> [AuthoringResult<WebhookResult>]
    ) {
        loop.offload({ () -> Result<[AuthoringResult<WebhookResult>], WebhookFailure> in
            do throws(WebhookFailure) {
                return .success(try work())
            } catch {
                return .failure(error)
            }
        }) { [self] outcome in
            switch outcome {
            case .success(.success(let results)):
                let duplicate = !results.isEmpty && results.allSatisfy { $0.output == .duplicate }
                metrics.recordWebhook(provider, duplicate ? "duplicate" : "accepted")
                responder.send(
                    .json(bytes: Array(#"{"received":true,"duplicate":\#(duplicate)}"#.utf8)))
                if let head = results.map(\.headVersion).max() { advanceHead(to: head) }
                if results.contains(where: { $0.effectsRecorded > 0 }) { effects.wake() }
            case .success(.failure(.refused(let error))):
                metrics.recordWebhook(provider, "refused")
                logger.warning("refused a \(provider) webhook: \(error)")
                fail(responder, ErrorResponse(code: .invalidMessage, message: error.description))
            case .success(.failure(.store(let error))):
                fail(responder, ErrorResponse.wrapping(error))
            case .failure(let error):
                fail(responder, ErrorResponse.wrapping(error))
            }
        }
    }

    private func notConfigured(_ responder: HTTPResponder, _ provider: String, _ what: String, key: String) {
        metrics.recordWebhook(provider, "refused")
        fail(
            responder,
            ErrorResponse(
                code: .unavailable,
                message: "\(what) are not configured at central: set \(key) (kct central serve --integrations FILE)"))
    }
}
