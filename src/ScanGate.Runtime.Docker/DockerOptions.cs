namespace ScanGate.Runtime;

public sealed class DockerOptions
{
    public const string Section = "ScanGate:Docker";
    /// <summary>Engine endpoint; defaults to DOCKER_HOST, then unix:///var/run/docker.sock.</summary>
    public string? Endpoint { get; set; }
    /// <summary>Network mode for scanner containers: "host" (reach targets on the host's network), "none", or a named network.</summary>
    public string NetworkMode { get; set; } = "host";
    public int RequestTimeoutSeconds { get; set; } = 100;
    /// <summary>Names this engine for run recovery; defaults to the engine's own ID. Silos that share one engine
    /// must agree on it (they do by default); silos with engines of their own must not.</summary>
    public string? EngineId { get; set; }
}
