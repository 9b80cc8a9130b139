import Central
import Foundation
import SyncCore
import TestSupport
import Testing

/// Central judges queue claims like any pushed change (PERMISSIONS.md, CONFLICT-RULES.md §3.8):
/// who may claim, who may release whose claim, and claims that misstate their claimer.
@Suite struct ClaimAuthorizationTests {
    static func claim(_ row: String, by author: String, claimedBy: String? = nil) -> Change {
        Build.change(
            "n-w1", 1, at: 5, entity: .claim, row: row, op: .append,
            fields: [
                "claim_action": .text("claim"), "stage": .text("pending_payment"),
                "claimed_by": .text(claimedBy ?? author),
            ], author: author)
    }

    static func release(_ claim: String, of claimer: String, by author: String) -> Change {
        Build.change(
            "n-w1", 1, at: 6, entity: .claim, row: "r-1", op: .append,
            fields: [
                "claim_action": .text("release"), "stage": .text("pending_payment"), "claimed_by": .text(claimer),
                "released_claim_id": .text(claim),
            ], author: author)
    }

    /// Pushes one change as W1 to a central on `backend` set up by `AuthorizationTests` plus a
    /// claim of o-1 by the admin (k-1); the outcome.
    func outcome(_ change: Change, _ backend: CentralBackend) throws -> ChangeOutcome {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1) = try AuthorizationTests.setUp(storage)
        let w0 = try store.addNode(name: "W9", shop: "S01").token
        let held = try store.push(
            PushRequest(
                nodeID: "n-w9",
                changes: [
                    Build.change(
                        "n-w9", 1, at: 4, entity: .claim, row: "k-1", op: .append,
                        fields: [
                            "claim_action": .text("claim"), "stage": .text("pending_payment"),
                            "claimed_by": .text(Staff.admin),
                        ])
                ]), token: w0)
        try #require(held.response.outcomes.first?.result == .applied, "\(held.response.outcomes)")
        return try #require(
            try store.push(PushRequest(nodeID: "n-w1", changes: [change]), token: w1).response.outcomes.first)
    }

    @Test(arguments: CentralBackend.allCases, StaffRole.allCases)
    func claimingNeedsAProcessor(_ backend: CentralBackend, _ role: StaffRole) throws {
        let result = try outcome(Self.claim("k-2", by: Staff.email(role)), backend)
        if role >= .processor {
            #expect(result.result == .applied, "\(role): \(result.reason?.description ?? "")")
        } else {
            #expect(result.reason?.code == .forbidden)
            #expect(result.reason?.message.contains("may not claim orders from the queue") == true)
        }
    }

    @Test(arguments: CentralBackend.allCases, StaffRole.allCases)
    func releasingAnothersClaimNeedsAManager(_ backend: CentralBackend, _ role: StaffRole) throws {
        let result = try outcome(Self.release("k-1", of: Staff.admin, by: Staff.email(role)), backend)
        if role >= .manager {
            #expect(result.result == .applied, "\(role): \(result.reason?.description ?? "")")
        } else {
            #expect(result.reason?.code == .forbidden)
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func claimsThatMisstateTheirClaimerOrClaimAreRejected(_ backend: CentralBackend) throws {
        let processor = Staff.email(.processor)
        let forSomeoneElse = try outcome(Self.claim("k-2", by: processor, claimedBy: Staff.admin), backend)
        #expect(forSomeoneElse.reason?.code == .invalidValue)
        let wrongClaimer = try outcome(Self.release("k-1", of: processor, by: processor), backend)
        #expect(wrongClaimer.reason?.code == .invalidValue)
        let noSuchClaim = try outcome(Self.release("k-9", of: processor, by: processor), backend)
        #expect(noSuchClaim.reason?.code == .unknownRow)
        var onHold = Self.claim("k-2", by: processor)
        onHold.fields["stage"] = .text("on_hold")
        #expect(try outcome(onHold, backend).reason?.code == .invalidValue)
    }
}
