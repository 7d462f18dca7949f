using ScanGate.Contracts;

namespace ScanGate.Scanners.Uploads;

/// <summary>A report format ScanGate accepts from scanners run elsewhere, and the parser that reads it.</summary>
public sealed record UploadFormat(
    string Name,
    string Description,
    Func<Stream, FindingContext, string?, CancellationToken, IAsyncEnumerable<Finding>> Parse);

/// <summary>The formats of <c>POST /api/v1/scans/{id}/uploads</c>. Each reuses an adapter's streaming parser.</summary>
public static class UploadFormats
{
    public static IReadOnlyList<UploadFormat> All { get; } = [];

    public static UploadFormat? Find(string name) => All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
