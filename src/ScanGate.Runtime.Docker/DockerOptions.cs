namespace ScanGate.Runtime;

public sealed class DockerOptions
{
    public const string Section = "ScanGate:Docker";
    /// <summary>Engine endpoint; defaults to DOCKER_HOST, then unix:///var/run/docker.sock.</summary>
    public string? Endpoint { get; set; }
    /// <summary>Network mode for scanner containers: "host" (reach targets on the host's network), "none", or a named network.</summary>
    public string NetworkMode { get; set; } = "host";
    public int RequestTimeoutSeconds { get; set; } = 100;
}
