using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Uploads;

namespace ScanGate.Api;

/// <summary>
/// Reports from scanners run elsewhere (a CI job's Checkov SARIF, a Syft or CycloneDX SBOM) uploaded into a
/// scan: they count in its findings and its gate. A report is read whole before anything is stored, so a bad
/// one changes nothing.
/// </summary>
public static partial class UploadEndpoints
{
    private const int BatchSize = 500;
    /// <summary>More findings than this in one report is refused rather than held.</summary>
    public const int MaxFindingsPerUpload = 200_000;

    public static RouteGroupBuilder MapUploadEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/scans/{id}/uploads", Upload).RequireScope(Scopes.ScansTrigger).WithTags("scans").WithMetadata(new AcceptsUpload(_ => true))
            .WithName("uploadScanReport").WithSummary("Add an outside tool's report (SARIF, CycloneDX, …) to a scan").Produces<UploadView>(StatusCodes.Status201Created).ProducesProblems(400, 404, 409, 413);
        api.MapGet("/upload-formats", () => TypedResults.Ok(UploadFormats.All.Select(f => new UploadFormatView(f.Name, f.Description)).ToList()))
            .RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("listUploadFormats").WithSummary("List the report formats an upload accepts").Produces<List<UploadFormatView>>();
        return api;
    }

    public sealed record UploadFormatView(string Name, string Description);
    public sealed record UploadView(string ScanId, string Tool, string Format, int Findings, long Bytes, int Uploads, int ExpectedUploads, string Status);

    private static async Task<IResult> Upload(string id, string? format, string? tool, string? category, HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        if (await http.VisibleScanAsync(id) is not { } scan) return Problems.ScanNotFound(id);
        if (string.IsNullOrWhiteSpace(format))
            return Problems.BadRequest("format", $"format is required: one of {string.Join(", ", UploadFormats.All.Select(f => f.Name))}");
        if (UploadFormats.Find(format) is not { } reader)
            return Problems.BadRequest("format", $"unknown format '{format}'; formats: {string.Join(", ", UploadFormats.All.Select(f => f.Name))}");
        tool = string.IsNullOrWhiteSpace(tool) ? reader.Name : tool.Trim().ToLowerInvariant();
        if (!ToolName().IsMatch(tool)) return Problems.BadRequest("tool", "tool must be a short name of letters, digits, '-', '_' or '.', such as checkov");
        if (category is not null && !FindingCategories.IsKnown(category))
            return Problems.BadRequest("category", $"unknown category '{category}'; categories: {string.Join(", ", FindingCategories.All)}");
        if (scan.Status.IsTerminal()) return Problems.Conflict($"scan {id} is {scan.Status.Word()}: it takes no more uploads");
        var (view, error) = await IngestAsync(grains, id, reader, tool, category, http.Request.Body, ct);
        return error ?? TypedResults.Created($"/api/v1/scans/{id}", view);
    }

    /// <summary>Reads one report whole from <paramref name="report"/> and stores its findings into the scan (which the
    /// caller has checked is visible to it), then records the upload: the one way every surface uploads a report.
    /// A report that cannot be read whole, or a scan that takes no more uploads, is the native problem.</summary>
    public static async Task<(UploadView? View, IResult? Error)> IngestAsync(IGrainFactory grains, string id, UploadFormat reader, string tool,
        string? category, Stream report, CancellationToken ct)
    {
        var context = new FindingContext(id, tool);
        var counting = new CountingStream(report);
        var read = new List<Finding>();
        try
        {
            await foreach (var f in reader.Parse(counting, context, category, ct))
            {
                if (read.Count == MaxFindingsPerUpload)
                    return (null, Problems.BadRequest("body", $"the report has more than {MaxFindingsPerUpload} findings; split it"));
                read.Add(f);
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(ex.Message));
        }
        if (context.Warnings.Count > 0)
            return (null, Problems.BadRequest("body", $"the {reader.Name} report could not be read whole: {context.Warnings[0]}"));

        var target = grains.GetGrain<IScanGrain>(id);
        foreach (var batch in read.Chunk(BatchSize))
        {
            var added = await target.AddUploadedFindings(batch);
            if (!added.Ok) return (null, Problems.FromCommand(added));
        }
        var done = await target.UploadFinished(new UploadRecord { Tool = tool, Format = reader.Name, Findings = read.Count, At = DateTimeOffset.UtcNow, Bytes = counting.Count });
        if (!done.Ok) return (null, Problems.FromCommand(done));
        var after = done.Snapshot!;
        return (new UploadView(id, tool, reader.Name, read.Count, counting.Count, after.Uploads, after.Request.ExpectedUploads, after.Status.Word()), null);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex ToolName();

    /// <summary>Counts the bytes a parser reads, for the upload's record.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) { var n = inner.Read(buffer, offset, count); Count += n; return n; }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Count += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
