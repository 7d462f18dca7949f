using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;

namespace ScanGate.Silo.Operations;

/// <summary>
/// A span and a duration measurement around each container operation a run performs (pull, create, start and
/// follow, wait, read the report, kill, remove, pause, unpause), wrapped around whichever runtime the host
/// composed. The spans are children of whatever is current in the run, so they join the scan's trace.
/// Cheap queries (availability, inspect, list) pass through untraced.
/// </summary>
public sealed class InstrumentedContainerRuntime : IContainerRuntime
{
    private readonly IContainerRuntime _inner;
    private readonly Histogram<double> _duration;
    // Which scan and scanner a container belongs to, learnt at create, so later operations carry them too.
    private readonly ConcurrentDictionary<string, (string Scan, string Scanner)> _owners = new(StringComparer.Ordinal);

    public InstrumentedContainerRuntime(IContainerRuntime inner, IMeterFactory meters)
    {
        _inner = inner;
        _duration = meters.Create(ScanGateTelemetry.Name).CreateHistogram<double>(ScanGateTelemetry.Metrics.ContainerOperationDuration, "s",
            "Duration of container operations (start includes following the output until the container exits)");
    }

    public IContainerRuntime Inner => _inner;

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default) => _inner.IsAvailableAsync(cancellationToken);
    public Task<string> GetEngineIdAsync(CancellationToken cancellationToken = default) => _inner.GetEngineIdAsync(cancellationToken);
    public Task<bool> HasImageAsync(string image, CancellationToken cancellationToken = default) => _inner.HasImageAsync(image, cancellationToken);
    public Task<ContainerInfo?> InspectAsync(string containerId, CancellationToken cancellationToken = default) => _inner.InspectAsync(containerId, cancellationToken);
    public Task<IReadOnlyList<ContainerInfo>> ListByLabelAsync(string labelKey, string labelValue, CancellationToken cancellationToken = default) =>
        _inner.ListByLabelAsync(labelKey, labelValue, cancellationToken);

    public Task EnsureImageAsync(string image, IProgress<string>? progress, CancellationToken cancellationToken) =>
        TraceAsync("pull", null, a => a.SetTag("container.image.name", image), () => _inner.EnsureImageAsync(image, progress, cancellationToken));

    public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        spec.Labels.TryGetValue(ContainerLabels.Scan, out var scan);
        spec.Labels.TryGetValue(ContainerLabels.Scanner, out var scanner);
        var id = "";
        await TraceAsync("create", null, a =>
        {
            a.SetTag("container.image.name", spec.Image);
            a.SetTag(ScanGateTelemetry.Tags.ScanId, scan);
            a.SetTag(ScanGateTelemetry.Tags.Scanner, scanner);
            a.SetTag("container.network_mode", spec.NetworkMode);
        }, async () => id = await _inner.CreateAsync(spec, cancellationToken));
        Activity.Current?.SetTag("container.id", id);
        if (scan is not null) _owners[id] = (scan, scanner ?? "");
        return id;
    }

    public Task StartAndFollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken) =>
        TraceAsync("start", containerId, null, () => _inner.StartAndFollowAsync(containerId, onLine, cancellationToken));

    public Task FollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken) =>
        TraceAsync("follow", containerId, null, () => _inner.FollowAsync(containerId, onLine, cancellationToken));

    public async Task<long> WaitAsync(string containerId, CancellationToken cancellationToken)
    {
        long exitCode = 0;
        await TraceAsync("wait", containerId, null, async () => exitCode = await _inner.WaitAsync(containerId, cancellationToken),
            after: a => a.SetTag("container.exit_code", exitCode));
        return exitCode;
    }

    public Task PauseAsync(string containerId, CancellationToken cancellationToken = default) =>
        TraceAsync("pause", containerId, null, () => _inner.PauseAsync(containerId, cancellationToken));

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken = default) =>
        TraceAsync("unpause", containerId, null, () => _inner.UnpauseAsync(containerId, cancellationToken));

    public Task KillAsync(string containerId, CancellationToken cancellationToken = default) =>
        TraceAsync("kill", containerId, null, () => _inner.KillAsync(containerId, cancellationToken));

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken = default)
    {
        await TraceAsync("remove", containerId, null, () => _inner.RemoveAsync(containerId, cancellationToken));
        _owners.TryRemove(containerId, out _);
    }

    public async Task<Stream?> ReadFileAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        Stream? stream = null;
        await TraceAsync("read_file", containerId, a => a.SetTag("file.path", path),
            async () => stream = await _inner.ReadFileAsync(containerId, path, cancellationToken),
            after: a => a.SetTag("file.found", stream is not null));
        return stream;
    }

    /// <summary>Marks the span failed and names the outcome; never catches.</summary>
    private static bool Failed(Activity? activity, Exception ex, out string outcome)
    {
        outcome = ex is OperationCanceledException ? "cancelled" : "error";
        return Spans.Failed(activity, ex);
    }

    private async Task TraceAsync(string operation, string? containerId, Action<Activity>? before, Func<Task> call, Action<Activity>? after = null)
    {
        using var activity = ScanGateTelemetry.Source.StartActivity("container." + operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("container.operation", operation);
            if (containerId is not null)
            {
                activity.SetTag("container.id", containerId);
                if (_owners.TryGetValue(containerId, out var owner))
                {
                    activity.SetTag(ScanGateTelemetry.Tags.ScanId, owner.Scan);
                    activity.SetTag(ScanGateTelemetry.Tags.Scanner, owner.Scanner);
                }
            }
            before?.Invoke(activity);
        }
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            await call();
            outcome = "ok";
            if (activity is not null) after?.Invoke(activity);
        }
        catch (Exception ex) when (Failed(activity, ex, out outcome)) { throw; }
        finally
        {
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

}
