using Microsoft.AspNetCore.Http;

namespace ScanGate.Api;

/// <summary>Bound from "ScanGate:Api".</summary>
public sealed class ApiOptions
{
    public const string Section = "ScanGate:Api";
    /// <summary>Seconds of silence after which an event stream sends a heartbeat (1 to 15).</summary>
    public int SseHeartbeatSeconds { get; set; } = 15;
    /// <summary>Larger request bodies are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>Reports uploaded into a scan (SARIF, SBOMs) may be this large.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The body limit of a request: uploads have their own.</summary>
    public long LimitFor(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<AcceptsUpload>() is { } upload && upload.Applies(request)
            ? MaxUploadBytes : MaxRequestBodyBytes;
    /// <summary>Accept http:// and private-address callback URLs (on-prem, tests); keep it in step with ScanGate:Callbacks:AllowPrivateAddresses.</summary>
    public bool AllowPrivateCallbacks { get; set; }
}

/// <summary>Endpoint metadata: a request for which <see cref="Applies"/> is true carries an upload (a source tarball,
/// files to check) and may be as large as <see cref="ApiOptions.MaxUploadBytes"/>.</summary>
public sealed record AcceptsUpload(Func<Microsoft.AspNetCore.Http.HttpRequest, bool> Applies);
