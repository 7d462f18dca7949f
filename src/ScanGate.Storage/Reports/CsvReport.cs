using System.Globalization;
using System.Text;
using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>
/// Findings as CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, a quote or a
/// line break, quotes doubled. A cell that a spreadsheet would take for a formula (it starts with = + - @, a tab
/// or a carriage return) gets a leading apostrophe, so opening the file never runs what a scanned target wrote.
/// </summary>
public static class CsvReport
{
    public const string MediaType = "text/csv; charset=utf-8";

    public static readonly IReadOnlyList<string> Columns =
    [
        "id", "severity", "title", "category", "scanner", "rule_id", "status", "cves", "cvss", "cvss_vector", "fixed_version",
        "file", "line", "url", "host", "port", "package", "version", "image", "layer", "description", "remediation",
        "references", "audit_only", "fingerprint", "detected_at",
    ];

    public static async Task WriteAsync(ReportScope scope, FindingSource findings, Stream output, CancellationToken cancellationToken = default)
    {
        // UTF-8 without a byte order mark: the header is the first thing a reader sees.
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await WriteRowAsync(writer, Columns);
        await foreach (var f in findings.ReadAsync(cancellationToken: cancellationToken))
            await WriteRowAsync(writer, RowOf(f));
        await writer.FlushAsync(cancellationToken);
    }

    public static IReadOnlyList<string?> RowOf(Finding f) =>
    [
        f.Id, f.Severity.Word(), f.Title, f.Category, f.Scanner, f.RuleId, f.Status.Word(), string.Join(";", f.Cves),
        f.Cvss?.ToString("0.0", CultureInfo.InvariantCulture), f.CvssVector, f.FixedVersion,
        f.Location.File, f.Location.Line?.ToString(CultureInfo.InvariantCulture), f.Location.Url, f.Location.Host,
        f.Location.Port?.ToString(CultureInfo.InvariantCulture), f.Location.Package, f.Location.Version, f.Location.Image, f.Location.Layer,
        f.Description, f.Remediation, string.Join(" ", f.References), f.AuditOnly ? "true" : "false", f.Fingerprint,
        f.DetectedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    ];

    private static async Task WriteRowAsync(StreamWriter writer, IReadOnlyList<string?> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) writer.Write(',');
            writer.Write(Cell(cells[i]));
        }
        await writer.WriteLineAsync();
    }

    /// <summary>One field: neutralised against formula injection, then quoted as RFC 4180 needs.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
