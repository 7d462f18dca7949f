namespace ScanGate.Api;

/// <summary>Bound from "ScanGate:Api".</summary>
public sealed class ApiOptions
{
    public const string Section = "ScanGate:Api";
    /// <summary>Seconds of silence after which an event stream sends a heartbeat (1 to 15).</summary>
    public int SseHeartbeatSeconds { get; set; } = 15;
    /// <summary>Larger request bodies are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>Accept http:// and private-address callback URLs (on-prem, tests); keep it in step with ScanGate:Callbacks:AllowPrivateAddresses.</summary>
    public bool AllowPrivateCallbacks { get; set; }
}
