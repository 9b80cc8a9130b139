import CPostgres
import SQLAccess

extension PostgresConnection {
    /// Statements sent before the pipeline is synced and read: bounded so that neither side's
    /// socket buffer can fill while the other is still writing (libpq's blocking-mode caveat).
    static let pipelineDepth = 1_000

    /// Runs `sql` once per argument list as one pipeline (libpq's pipeline mode): the statements
    /// go out back to back and their results are read after, one round trip per
    /// `pipelineDepth` statements instead of one per statement. Stops at the first failure, whose
    /// error it throws; the statements after it did not run.
    package func executeMany(_ sql: String, _ argumentLists: [[SQLValue]]) throws {
        guard !argumentLists.isEmpty else { return }
        if argumentLists.count == 1 {
            try execute(sql, argumentLists[0])
            return
        }
        let name = try statementName(sql)
        var start = 0
        while start < argumentLists.count {
            let end = min(start + Self.pipelineDepth, argumentLists.count)
            try runPipeline(name, sql: sql, argumentLists[start..<end])
            start = end
        }
    }

    private func runPipeline(_ name: String, sql: String, _ argumentLists: ArraySlice<[SQLValue]>) throws {
        let handle = rawHandle
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError() }
        var firstError: PostgresError?
        var sent = 0
        for arguments in argumentLists {
            let queued = PostgresValues.withParameters(arguments) { count, values, lengths, formats in
                PQsendQueryPrepared(handle, name, count, values, lengths, formats, 0)
            }
            guard queued == 1 else {
                firstError = connectionError()
                break
            }
            sent += 1
        }
        if PQpipelineSync(handle) != 1, firstError == nil { firstError = connectionError() }
        // Every sent statement gives a result then nil; the sync point gives PIPELINE_SYNC last.
        for _ in 0..<sent {
            let result = PQgetResult(handle)
            if firstError == nil, let result, PQresultStatus(result) != PGRES_PIPELINE_ABORTED {
                do { try check(result, sql: sql) } catch { firstError = error }
            }
            PQclear(result)
            // The nil that ends this statement's results.
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if PQexitPipelineMode(handle) != 1, firstError == nil { firstError = connectionError() }
        if let firstError { throw firstError }
    }
}
