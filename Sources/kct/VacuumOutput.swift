import Foundation
import StorageSupport

/// How `kct vacuum` and `kct central vacuum` report what they did.
enum VacuumOutput {
    struct ReportJSON: Encodable {
        let file: String
        let bytesBefore: Int64
        let bytesAfter: Int64
        let fileShrunk: Bool

        enum CodingKeys: String, CodingKey {
            case file, bytesBefore = "bytes_before", bytesAfter = "bytes_after", fileShrunk = "file_shrunk"
        }
    }

    static func print(_ report: VacuumReport, file: String, json: Bool) throws {
        if json {
            try Output.json(
                ReportJSON(
                    file: file, bytesBefore: report.bytesBefore, bytesAfter: report.bytesAfter,
                    fileShrunk: report.fileShrunk))
            return
        }
        Swift.print(
            "\(file): \(megabytes(report.bytesBefore)) → \(megabytes(report.bytesAfter)) "
                + "(\(megabytes(report.bytesBefore - report.bytesAfter)) freed)")
        if !report.fileShrunk {
            Output.note("a reader still holds the old pages; the file shrinks at the next checkpoint")
        }
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
