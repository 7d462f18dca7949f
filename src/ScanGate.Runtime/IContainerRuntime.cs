namespace ScanGate.Runtime;

/// <summary>The one seam between ScanGate and a container engine. It knows nothing of scans or grains.</summary>
public interface IContainerRuntime
{
    /// <summary>Whether the engine answers (cached briefly; cheap to call often).</summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default);
    /// <summary>This engine's identity (the engine's own ID unless configured), recorded with each container so a
    /// run recovered on another silo knows whether it can reach that container.</summary>
    Task<string> GetEngineIdAsync(CancellationToken cancellationToken = default);
    /// <summary>Makes the image present, pulling it when missing; pull progress goes to <paramref name="progress"/>.</summary>
    Task EnsureImageAsync(string image, IProgress<string>? progress, CancellationToken cancellationToken);
    /// <summary>Whether the engine holds the image now (never pulls).</summary>
    Task<bool> HasImageAsync(string image, CancellationToken cancellationToken = default);
    Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken);
    /// <summary>Starts the container and follows its output, one line at a time, until it exits or
    /// <paramref name="cancellationToken"/> fires.</summary>
    Task StartAndFollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken);
    /// <summary>Follows the output of a container that is already started, from its first line, until it exits or
    /// <paramref name="cancellationToken"/> fires (how a recovered run reattaches).</summary>
    Task FollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken);
    /// <summary>Waits for exit and returns the exit code.</summary>
    Task<long> WaitAsync(string containerId, CancellationToken cancellationToken);
    /// <summary>Freezes the container; one already frozen or no longer running is not an error.</summary>
    Task PauseAsync(string containerId, CancellationToken cancellationToken = default);
    /// <summary>Thaws the container; one not frozen or no longer running is not an error.</summary>
    Task UnpauseAsync(string containerId, CancellationToken cancellationToken = default);
    /// <summary>Kills the container; a container already gone or stopped is not an error.</summary>
    Task KillAsync(string containerId, CancellationToken cancellationToken = default);
    /// <summary>Removes the container and its anonymous volumes; a container already gone is not an error.</summary>
    Task RemoveAsync(string containerId, CancellationToken cancellationToken = default);
    Task<ContainerInfo?> InspectAsync(string containerId, CancellationToken cancellationToken = default);
    /// <summary>Copies one file out of a container (running or exited), or null when it does not exist.</summary>
    Task<Stream?> ReadFileAsync(string containerId, string path, CancellationToken cancellationToken);
    /// <summary>Containers that carry the label <paramref name="labelKey"/>=<paramref name="labelValue"/>.</summary>
    Task<IReadOnlyList<ContainerInfo>> ListByLabelAsync(string labelKey, string labelValue, CancellationToken cancellationToken = default);
}

public sealed record ContainerSpec
{
    public required string Image { get; init; }
    public required IReadOnlyList<string> Arguments { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>"host", "none", or a named network.</summary>
    public string NetworkMode { get; init; } = "none";
    /// <summary>A directory backed by an anonymous volume that outlives the container's exit (for reports).</summary>
    public string? OutputDirectory { get; init; } = "/out";
    public IReadOnlyList<string> TmpfsPaths { get; init; } = [];
    /// <summary>Writable directories on anonymous volumes (owned as in the image), removed with the container.</summary>
    public IReadOnlyList<string> VolumePaths { get; init; } = [];
    public bool ReadOnlyRoot { get; init; } = true;
    /// <summary>Null keeps the image's user (our images use an unprivileged one).</summary>
    public string? User { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public long MemoryBytes { get; init; } = 512L * 1024 * 1024;
    public double Cpus { get; init; } = 1.0;
    public long PidsLimit { get; init; } = 256;
}

public sealed record ContainerInfo(
    string Id,
    string State,
    bool Paused,
    bool Running,
    long? ExitCode,
    IReadOnlyDictionary<string, string> Labels,
    ContainerHardening? Hardening = null);

/// <summary>What the engine says about a container's sandbox, so tests can check it really is hardened.</summary>
public sealed record ContainerHardening(
    bool ReadOnlyRoot, IReadOnlyList<string> CapDrop, IReadOnlyList<string> SecurityOpt,
    long MemoryBytes, long PidsLimit, long NanoCpus, string NetworkMode, string User);

public sealed class ContainerEngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
