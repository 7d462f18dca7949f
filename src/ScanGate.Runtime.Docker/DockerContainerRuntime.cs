using System.Formats.Tar;
using System.Net;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ScanGate.Runtime;

/// <summary><see cref="IContainerRuntime"/> on Docker.DotNet.Enhanced (unversioned requests, so it
/// speaks to Debian's engine 20.10 as well as to current ones).</summary>
public sealed class DockerContainerRuntime : IContainerRuntime, IDisposable
{
    private readonly DockerClient _client;
    private readonly ILogger<DockerContainerRuntime> _logger;
    private readonly TimeProvider _clock;
    private (DateTimeOffset At, bool Up) _availability = (DateTimeOffset.MinValue, false);

    public DockerContainerRuntime(IOptions<DockerOptions> options, ILogger<DockerContainerRuntime> logger, TimeProvider? clock = null)
    {
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        var endpoint = options.Value.Endpoint
            ?? Environment.GetEnvironmentVariable("DOCKER_HOST")
            ?? "unix:///var/run/docker.sock";
        _endpoint = endpoint;
        _configuredEngineId = options.Value.EngineId;
        _client = new DockerClientBuilder()
            .WithEndpoint(new Uri(endpoint))
            .WithTimeout(TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds))
            .Build();
    }

    private readonly string _endpoint;
    private readonly string? _configuredEngineId;
    private string? _engineId;

    public async Task<string> GetEngineIdAsync(CancellationToken cancellationToken = default)
    {
        if (_configuredEngineId is { Length: > 0 } configured) return configured;
        if (_engineId is not null) return _engineId;
        var info = await _client.System.GetSystemInfoAsync(cancellationToken);
        return _engineId = string.IsNullOrEmpty(info.ID) ? _endpoint : info.ID;
    }

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        if (now - _availability.At < TimeSpan.FromSeconds(5)) return _availability.Up;
        bool up;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(3));
            await _client.System.PingAsync(cts.Token);
            up = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(ex, "Container engine at {Endpoint} does not answer", _endpoint);
            up = false;
        }
        _availability = (now, up);
        return up;
    }

    public async Task<bool> HasImageAsync(string image, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException) { return false; }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound) { return false; }
    }

    public async Task EnsureImageAsync(string image, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (await HasImageAsync(image, cancellationToken)) return;

        var (name, tag) = SplitImage(image);
        string? error = null;
        var pullProgress = new Progress<JSONMessage>(m =>
        {
            if (m.Error is { Message: { Length: > 0 } msg }) error = msg;
            else if (!string.IsNullOrEmpty(m.Status)) progress?.Report(m.ID is null ? m.Status : $"{m.ID}: {m.Status}");
        });
        try
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null, pullProgress, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new InvalidOperationException($"image {image} is not present and could not be pulled: {ex.ResponseBody?.Trim()}", ex);
        }
        if (error is not null) throw new InvalidOperationException($"image {image} could not be pulled: {error}");
        try { await _client.Images.InspectImageAsync(image, cancellationToken); }
        catch (DockerApiException ex) { throw new InvalidOperationException($"image {image} is not present after pulling it", ex); }
    }

    private static (string Name, string Tag) SplitImage(string image)
    {
        if (image.Contains('@')) return (image, "");
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    public async Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var parameters = new CreateContainerParameters
        {
            Image = spec.Image,
            Cmd = spec.Arguments.ToList(),
            Labels = spec.Labels.ToDictionary(),
            User = spec.User,
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            // Anonymous volumes take the image directory's owner (our tools run unprivileged) and are
            // removed with the container.
            Volumes = spec.VolumePaths.Concat(spec.OutputDirectory is null ? [] : [spec.OutputDirectory])
                .Distinct().ToDictionary(p => p, _ => default(EmptyStruct)),
            HostConfig = new HostConfig
            {
                NetworkMode = spec.NetworkMode,
                ReadonlyRootfs = spec.ReadOnlyRoot,
                Tmpfs = spec.TmpfsPaths.ToDictionary(p => p, _ => "rw,nosuid,nodev,size=256m"),
                CapDrop = ["ALL"],
                CapAdd = spec.CapAdd.ToList(),
                SecurityOpt = ["no-new-privileges:true"],
                Memory = spec.MemoryBytes,
                MemorySwap = spec.MemoryBytes, // no swap beyond the memory limit
                NanoCPUs = (long)(spec.Cpus * 1_000_000_000),
                PidsLimit = spec.PidsLimit,
                Init = true, // reap zombies and forward signals in tools that spawn children
                AutoRemove = false, // we read the exit code and the report before removing it
            },
        };
        var created = await _client.Containers.CreateContainerAsync(parameters, cancellationToken);
        return created.ID;
    }

    public async Task StartAndFollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        using var stream = await _client.Containers.AttachContainerAsync(containerId,
            new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken);
        await _client.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), cancellationToken);
        await ReadLinesAsync(stream, onLine, cancellationToken);
    }

    public async Task FollowAsync(string containerId, Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        using var stream = await _client.Containers.GetContainerLogsAsync(containerId,
            new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, cancellationToken);
        await ReadLinesAsync(stream, onLine, cancellationToken);
    }

    private static async Task ReadLinesAsync(MultiplexedStream stream, Func<string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var pending = new Dictionary<MultiplexedStream.TargetStream, StringBuilder>();
        var decoder = Encoding.UTF8;
        // Log reads ignore cancellation while blocked on the socket; disposing the stream unblocks them.
        await using var unblock = cancellationToken.Register(() => stream.Dispose());
        while (!cancellationToken.IsCancellationRequested)
        {
            MultiplexedStream.ReadResult read;
            try
            {
                read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested) { break; }
            catch (ObjectDisposedException) { break; }
            if (read.EOF) break;
            if (!pending.TryGetValue(read.Target, out var sb)) pending[read.Target] = sb = new StringBuilder();
            sb.Append(decoder.GetString(buffer, 0, read.Count));
            await FlushLinesAsync(sb, onLine, final: false);
        }
        foreach (var sb in pending.Values) await FlushLinesAsync(sb, onLine, final: true);
    }

    private static async ValueTask FlushLinesAsync(StringBuilder sb, Func<string, ValueTask> onLine, bool final)
    {
        var text = sb.ToString();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n' && text[i] != '\r') continue;
            if (i > start) await onLine(text[start..i]);
            start = i + 1;
        }
        sb.Clear();
        if (start < text.Length)
        {
            if (final) await onLine(text[start..]);
            else sb.Append(text, start, text.Length - start);
        }
    }

    public async Task<long> WaitAsync(string containerId, CancellationToken cancellationToken)
    {
        var response = await _client.Containers.WaitContainerAsync(containerId, cancellationToken);
        return response.StatusCode;
    }

    public async Task PauseAsync(string containerId, CancellationToken cancellationToken = default)
    {
        try { await _client.Containers.PauseContainerAsync(containerId, cancellationToken); }
        catch (DockerApiException ex) when (ex is not DockerContainerNotFoundException)
        {
            if (!await AlreadyThereAsync(containerId, c => c.Paused || !c.Running, "Pause", ex, cancellationToken)) throw;
        }
    }

    public async Task UnpauseAsync(string containerId, CancellationToken cancellationToken = default)
    {
        try { await _client.Containers.UnpauseContainerAsync(containerId, cancellationToken); }
        catch (DockerApiException ex) when (ex is not DockerContainerNotFoundException)
        {
            if (!await AlreadyThereAsync(containerId, c => !c.Paused, "Unpause", ex, cancellationToken)) throw;
        }
    }

    /// <summary>Whether a refused request had nothing to do: the container is already where it was asked to go
    /// (already paused, not paused, not running). Engines disagree on how they say so (409, 304, or 500 from
    /// older ones), so the container's state decides, not the status code; a missing container stays an error.</summary>
    private async Task<bool> AlreadyThereAsync(string containerId, Func<ContainerInfo, bool> reached, string operation, DockerApiException refusal, CancellationToken cancellationToken)
    {
        if (await InspectAsync(containerId, cancellationToken) is not { } info || !reached(info)) return false;
        _logger.LogDebug("{Operation} of {Container} not needed ({State}): {Reason}", operation, containerId, info.State, refusal.ResponseBody?.Trim());
        return true;
    }

    public async Task KillAsync(string containerId, CancellationToken cancellationToken = default)
    {
        try
        {
            // A paused container cannot take SIGKILL until it is thawed.
            var info = await InspectAsync(containerId, cancellationToken);
            if (info is null || !info.Running) return;
            if (info.Paused) await UnpauseAsync(containerId, cancellationToken);
            await _client.Containers.KillContainerAsync(containerId, new ContainerKillParameters { Signal = "KILL" }, cancellationToken);
        }
        catch (DockerContainerNotFoundException) { }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound) { }
        catch (DockerApiException ex)
        {
            if (!await AlreadyThereAsync(containerId, c => !c.Running, "Kill", ex, cancellationToken)) throw;
        }
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(containerId,
                new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException) { }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound) { }
    }

    public async Task<ContainerInfo?> InspectAsync(string containerId, CancellationToken cancellationToken = default)
    {
        try
        {
            var c = await _client.Containers.InspectContainerAsync(containerId, cancellationToken);
            var h = c.HostConfig;
            return new ContainerInfo(c.ID, c.State.Status, c.State.Paused, c.State.Running,
                c.State.Running ? null : c.State.ExitCode,
                (IReadOnlyDictionary<string, string>?)c.Config.Labels ?? new Dictionary<string, string>(),
                new ContainerHardening(h.ReadonlyRootfs, h.CapDrop?.ToList() ?? [], h.SecurityOpt?.ToList() ?? [],
                    h.Memory, h.PidsLimit ?? 0, h.NanoCPUs, h.NetworkMode, c.Config.User ?? ""));
        }
        catch (DockerContainerNotFoundException) { return null; }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    public async Task<Stream?> ReadFileAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        ContainerArchiveResponse archive;
        try
        {
            archive = await _client.Containers.GetArchiveFromContainerAsync(containerId,
                new ContainerPathStatParameters { Path = path }, false, cancellationToken);
        }
        catch (DockerContainerNotFoundException) { return null; }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound) { return null; }

        // Reports can be large: spool the archive, then the file, to temporary files that delete
        // themselves, never to memory. The archive is copied whole first because the engine's chunked
        // response does not take the short, exact reads a tar reader makes.
        await using var archiveSpool = NewSpool();
        await using (archive.Stream) await archive.Stream.CopyToAsync(archiveSpool, cancellationToken);
        archiveSpool.Position = 0;
        using var tar = new TarReader(archiveSpool, leaveOpen: true);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            var file = NewSpool();
            await entry.DataStream.CopyToAsync(file, cancellationToken);
            file.Position = 0;
            return file;
        }
        return null;
    }

    private static FileStream NewSpool() => new(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
        81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    public async Task<IReadOnlyList<ContainerInfo>> ListByLabelAsync(string labelKey, string labelValue, CancellationToken cancellationToken = default)
    {
        var list = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{labelKey}={labelValue}"] = true },
            },
        }, cancellationToken);
        return list.Select(c => new ContainerInfo(c.ID, c.State, c.State == "paused", c.State is "running" or "paused", null,
            (IReadOnlyDictionary<string, string>?)c.Labels ?? new Dictionary<string, string>())).ToList();
    }

    public void Dispose() => _client.Dispose();
}
