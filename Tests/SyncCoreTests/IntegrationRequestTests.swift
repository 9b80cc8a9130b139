import OrderDomain
import Testing

@testable import SyncCore

/// Protocol version 2's integration requests: a node appends them, only central answers them,
/// and each kind needs the permission of what it asks for.
@Suite struct IntegrationRequestTests {
    let replica = Build.replica([Build.createOrder()])

    static func request(_ kind: String, _ extra: [String: FieldValue] = [:], node: String = "W1") -> Change {
        Build.change(
            node, 1, at: 5, .integrationRequest, row: "r-1", .append,
            ["order_id": .text("o-1"), "request_kind": .text(kind)].merging(extra) { $1 })
    }

    func rejectionOf(_ change: Change, against replica: ReplicaModel? = nil) -> Rejection? {
        do {
            try ChangeValidator.validate(change, against: replica ?? self.replica)
            return nil
        } catch {
            return error
        }
    }

    @Test func aNodeAppendsARequestButCannotAnswerIt() {
        #expect(rejectionOf(Self.request("payment")) == nil)
        #expect(rejectionOf(Self.request("email", ["template": .text("order_confirmation")])) == nil)
        #expect(rejectionOf(Self.request("refund_everything"))?.code == .invalidValue)
        #expect(rejectionOf(Self.request("email", ["template": .text("spam")]))?.code == .invalidValue)
        #expect(rejectionOf(Self.request("payment", ["request_state": .text("succeeded")]))?.code == .centralOnlyField)
        let answered = Build.replica([Build.createOrder(), Self.request("payment")])
        let answer = Build.change(
            "W1", 2, at: 6, .integrationRequest, row: "r-1", .setFields, ["request_state": .text("succeeded")])
        #expect(rejectionOf(answer, against: answered)?.code == .centralOnlyField)
        var central = answer
        central.nodeID = ChangeValidator.centralNodeID
        #expect(rejectionOf(central, against: answered) == nil)
        // What was asked is append-only, even for central.
        let rewrite = Build.change(
            ChangeValidator.centralNodeID, 3, at: 7, .integrationRequest, row: "r-1", .setFields,
            ["request_kind": .text("email")])
        #expect(rejectionOf(rewrite, against: answered)?.code == .immutableField)
        #expect(
            rejectionOf(Build.change("W1", 1, at: 5, ["tracking_status": .text("delivered")]))?.code
                == .centralOnlyField)
    }

    @Test func eachKindNeedsThePermissionOfWhatItAsks() {
        #expect(PermissionMatrix.firstUnmet(Self.request("payment"), role: .processor, rowExists: false) == nil)
        #expect(PermissionMatrix.firstUnmet(Self.request("shipping_label"), role: .processor, rowExists: false) == nil)
        let viewer = PermissionMatrix.firstUnmet(Self.request("payment"), role: .viewer, rowExists: false)
        #expect(viewer?.permission == .createOrders)
        #expect(
            PermissionMatrix.firstUnmet(Self.request("email"), role: .viewer, rowExists: false)?.permission
                == .logCommunications)
    }

    @Test func emailTemplatesAreTheCommunicationTypes() throws {
        let types = try #require(FieldCatalog.spec(.communicationLog, "communication_type"))
        guard case .enumeration(let allowed) = types.type else {
            Issue.record("communication_type is not an enumeration")
            return
        }
        #expect(Set(CustomerEmail.allCases.map(\.rawValue)).isSubset(of: Set(allowed)))
    }
}
