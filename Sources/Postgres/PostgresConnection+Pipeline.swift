import CPostgres
import SQLAccess

extension PostgresConnection {
    /// Statements sent before the pipeline is synced and read: bounded so that neither side's
    /// socket buffer can fill while the other is still writing (libpq's blocking-mode caveat).
    static let pipelineDepth = 1_000

    /// Rows per statement of `insertMany`, largest first: a call's rows go out in statements of
    /// these sizes, so each table has at most four prepared shapes. PostgreSQL's time per
    /// statement (bind, executor start, result) is several times its time per row inserted.
    static let rowsPerInsert = [64, 16, 4, 1]

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
        try runPipeline(argumentLists.map { (sql, $0) })
    }

    /// `rows` in multi-row statements (`rowsPerInsert`), sent as one pipeline.
    package func insertMany(_ insert: SQLInsert, _ rows: [[SQLValue]]) throws {
        var statements: [(sql: String, arguments: [SQLValue])] = []
        var start = 0
        while start < rows.count {
            let count = Self.rowsPerInsert.first { $0 <= rows.count - start } ?? 1
            statements.append((insert.sql(rows: count), Array(rows[start..<start + count].joined())))
            start += count
        }
        if statements.count == 1 {
            try execute(statements[0].sql, statements[0].arguments)
            return
        }
        try runPipeline(statements)
    }

    private func runPipeline(_ statements: [(sql: String, arguments: [SQLValue])]) throws {
        // Prepared before the pipeline starts (PQprepare cannot run inside one), all at once so
        // that no DEALLOCATE between two of them invalidates the first.
        let names = try statementNames(Set(statements.map(\.sql)))
        var start = 0
        while start < statements.count {
            let end = min(start + Self.pipelineDepth, statements.count)
            try runPipeline(statements[start..<end], names: names)
            start = end
        }
    }

    private func runPipeline(
        _ statements: ArraySlice<(sql: String, arguments: [SQLValue])>, names: [String: String]
    ) throws {
        let handle = rawHandle
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError() }
        var firstError: PostgresError?
        var sent: [String] = []
        for (sql, arguments) in statements {
            let queued = PostgresValues.withParameters(arguments) { count, values, lengths, formats in
                PQsendQueryPrepared(handle, names[sql], count, values, lengths, formats, 0)
            }
            guard queued == 1 else {
                firstError = connectionError()
                break
            }
            sent.append(sql)
        }
        if PQpipelineSync(handle) != 1, firstError == nil { firstError = connectionError() }
        // Every sent statement gives a result then nil; the sync point gives PIPELINE_SYNC last.
        for sql in sent {
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
