using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using ScanGate.Runtime;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// An in-memory container engine for tests of the run logic that need no Docker: it records every operation,
/// can hold any kind of operation on a <see cref="Gate"/> so a test can interleave commands with it, and can
/// fail an operation on demand. Containers behave as the engine's do where the run depends on it: a paused
/// container neither prints nor exits until it is thawed; a killed one exits with 137. It stands in for the
/// engine only in tests about ordering and concurrency; the real-Docker tests stay.
/// </summary>
public sealed class FakeContainerRuntime : IContainerRuntime
{
    public const string Pull = "pull", Create = "create", Start = "start", Follow = "follow", Wait = "wait", Pause = "pause",
        Unpause = "unpause", Kill = "kill", Remove = "remove", Inspect = "inspect", ReadFile = "read-file";

    public sealed record Operation(string Kind, string? ContainerId, long Sequence);

    private readonly ConcurrentQueue<Operation> _operations = new();
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new();
    private readonly ConcurrentDictionary<string, Gate> _gates = new();
    private readonly ConcurrentDictionary<string, Func<Exception>> _failures = new();
    private long _sequence;
    private int _ids;

    public string EngineId { get; set; } = "fake-engine";
    /// <summary>What each new container does when started: by default it runs until the test ends it.</summary>
    public Action<FakeContainer>? OnCreate { get; set; }
    /// <summary>Extra latency before each operation (seeded by the test), so interleavings vary.</summary>
    public Func<string, TimeSpan>? Latency { get; set; }

    public IReadOnlyList<Operation> Operations => _operations.ToList();
    public int Count(string kind, string? containerId = null) =>
        _operations.Count(o => o.Kind == kind && (containerId is null || o.ContainerId == containerId));
    public IReadOnlyCollection<FakeContainer> Containers => _containers.Values.ToList();
    public FakeContainer Container(string id) => _containers[id];

    /// <summary>From now on, operations of this kind wait until the returned gate opens.</summary>
    public Gate Hold(string kind) => _gates[kind] = new Gate();
    /// <summary>The next operation of this kind throws the given exception instead of taking effect.</summary>
    public void FailNext(string kind, Func<Exception> failure) => _failures[kind] = failure;

    private async Task EnterAsync(string kind, string? containerId)
    {
        if (Latency?.Invoke(kind) is { } delay && delay > TimeSpan.Zero) await Task.Delay(delay);
        else await Task.Yield();
        if (_gates.TryGetValue(kind, out var gate)) await gate.PassAsync();
        if (_failures.TryRemove(kind, out var failure)) throw failure();
    }

    private void Record(string kind, string? containerId) =>
        _operations.Enqueue(new Operation(kind, containerId, Interlocked.Increment(ref _sequence)));

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);
    public Task<string> GetEngineIdAsync(CancellationToken cancellationToken = default) => Task.FromResult(EngineId);
    public Task<bool> HasImageAsync(string image, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public async Task EnsureImageAsync(string image, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await EnterAsync(Pull, null);
        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report($"{image}: present");
        Record(Pull, null);
    }

    public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        await EnterAsync(Create, null);
        var container = new FakeContainer($"fake{Interlocked.Increment(ref _ids):D8}", spec);
        _containers[container.Id] = container;
        OnCreate?.Invoke(container);
        Record(Create, container.Id);
        return container.Id;
    }

    public async Task StartAndFollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        await EnterAsync(Start, containerId);
        var container = _containers[containerId];
        container.MarkStarted();
        Record(Start, containerId);
        await container.RelayAsync(onLine, cancellationToken);
    }

    public async Task FollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        await EnterAsync(Follow, containerId);
        Record(Follow, containerId);
        await _containers[containerId].RelayAsync(onLine, cancellationToken);
    }

    public async Task<long> WaitAsync(string containerId, CancellationToken cancellationToken)
    {
        await EnterAsync(Wait, containerId);
        Record(Wait, containerId);
        return await _containers[containerId].Exited.WaitAsync(cancellationToken);
    }

    public async Task PauseAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await EnterAsync(Pause, containerId);
        Record(Pause, containerId);
        _containers[containerId].SetPaused(true);
    }

    public async Task UnpauseAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await EnterAsync(Unpause, containerId);
        Record(Unpause, containerId);
        _containers[containerId].SetPaused(false);
    }

    public async Task KillAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await EnterAsync(Kill, containerId);
        Record(Kill, containerId);
        if (_containers.TryGetValue(containerId, out var c)) c.Kill();
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await EnterAsync(Remove, containerId);
        Record(Remove, containerId);
        if (_containers.TryGetValue(containerId, out var c)) c.Removed = true;
    }

    public async Task<ContainerInfo?> InspectAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await EnterAsync(Inspect, containerId);
        Record(Inspect, containerId);
        return _containers.TryGetValue(containerId, out var c) && !c.Removed ? c.Info() : null;
    }

    public async Task<Stream?> ReadFileAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        await EnterAsync(ReadFile, containerId);
        Record(ReadFile, containerId);
        return _containers.TryGetValue(containerId, out var c) && c.Files.TryGetValue(path, out var bytes) ? new MemoryStream(bytes) : null;
    }

    public Task<IReadOnlyList<ContainerInfo>> ListByLabelAsync(string labelKey, string labelValue, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(_containers.Values
            .Where(c => !c.Removed && c.Spec.Labels.TryGetValue(labelKey, out var v) && v == labelValue).Select(c => c.Info()).ToList());
}

/// <summary>One fake container: the test writes its output, its report and its exit.</summary>
public sealed class FakeContainer(string id, ContainerSpec spec)
{
    private readonly object _lock = new();
    private readonly Channel<string> _output = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<long> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long? _exitWhenThawed;

    public string Id { get; } = id;
    public ContainerSpec Spec { get; } = spec;
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();
    public bool Started { get; private set; }
    public bool Paused { get; private set; }
    public bool Removed { get; set; }
    /// <summary>Exit as soon as it is started (a tool with nothing to do), with this code.</summary>
    public long? ExitOnStart { get; set; }
    public Task<long> Exited => _exited.Task;
    public bool HasExited => _exited.Task.IsCompleted;

    public void WriteFile(string path, string text) => Files[path] = Encoding.UTF8.GetBytes(text);
    public void Print(string line) => _output.Writer.TryWrite(line);

    internal void MarkStarted()
    {
        Started = true;
        if (ExitOnStart is { } code) Exit(code);
    }

    /// <summary>The tool ends; a paused container ends only once thawed, as a frozen process would.</summary>
    public void Exit(long code)
    {
        lock (_lock)
        {
            if (Paused) { _exitWhenThawed = code; return; }
            _output.Writer.TryComplete();
            _exited.TrySetResult(code);
        }
    }

    internal void Kill()
    {
        lock (_lock)
        {
            if (!Started || HasExited) return;
            Paused = false;
            _output.Writer.TryComplete();
            _exited.TrySetResult(137);
        }
    }

    internal void SetPaused(bool paused)
    {
        lock (_lock)
        {
            if (HasExited) return;
            Paused = paused;
        }
        if (!paused && _exitWhenThawed is { } code) Exit(code);
    }

    internal async Task RelayAsync(Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in _output.Reader.ReadAllAsync(cancellationToken)) await onLine(line);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    internal ContainerInfo Info()
    {
        lock (_lock)
        {
            var running = Started && !HasExited;
            return new ContainerInfo(Id, HasExited ? "exited" : Paused ? "paused" : Started ? "running" : "created", Paused, running,
                HasExited ? _exited.Task.Result : null, Spec.Labels);
        }
    }
}

/// <summary>Holds callers until opened, and says how many are waiting.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;
    private int _passed;

    public int Waiting => Volatile.Read(ref _waiting);
    public int Passed => Volatile.Read(ref _passed);
    public void Open() => _open.TrySetResult();

    internal async Task PassAsync()
    {
        Interlocked.Increment(ref _waiting);
        try { await _open.Task; }
        finally { Interlocked.Decrement(ref _waiting); Interlocked.Increment(ref _passed); }
    }
}
