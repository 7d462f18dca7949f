using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>The Docker runtime against the machine's real engine: asking for a state the container is already
/// in (paused twice, thawed twice, killed twice, frozen after it exited) succeeds, as the run's supervisor
/// expects; a container that does not exist is still an error.</summary>
public sealed class DockerRuntimeTests : IAsyncLifetime
{
    private readonly DockerContainerRuntime _runtime = new(Options.Create(new DockerOptions()), NullLogger<DockerContainerRuntime>.Instance);
    private readonly string _label = "rt_" + Guid.NewGuid().ToString("N")[..12];
    private string? _id;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_id is not null) await _runtime.RemoveAsync(_id);
        _runtime.Dispose();
    }

    [Fact]
    public async Task Pause_unpause_and_kill_of_a_container_already_in_that_state_succeed()
    {
        _id = await _runtime.CreateAsync(new ContainerSpec
        {
            Image = "debian:trixie-slim", Arguments = ["sleep", "300"], NetworkMode = "none", OutputDirectory = null,
            Labels = new Dictionary<string, string> { [ContainerLabels.Scan] = _label },
        }, CancellationToken.None);
        var id = _id;
        _ = _runtime.StartAndFollowAsync(id, _ => ValueTask.CompletedTask, CancellationToken.None);
        await Eventually.UntilAsync(async () => await _runtime.InspectAsync(id) is { Running: true }, TimeSpan.FromSeconds(30), "the container running");

        await _runtime.PauseAsync(id);
        await _runtime.PauseAsync(id); // the engine answers 409 "already paused"
        Assert.Equal("true", await DockerCli.InspectAsync(id, "{{.State.Paused}}"));

        await _runtime.UnpauseAsync(id);
        await _runtime.UnpauseAsync(id); // 409 "not paused"
        Assert.Equal("false", await DockerCli.InspectAsync(id, "{{.State.Paused}}"));

        await _runtime.KillAsync(id);
        Assert.Equal(137, await _runtime.WaitAsync(id, CancellationToken.None));
        await _runtime.KillAsync(id); // not running
        await _runtime.PauseAsync(id); // 409 "not running"
        await _runtime.UnpauseAsync(id);
        Assert.Equal("exited", await DockerCli.InspectAsync(id, "{{.State.Status}}"));

        // The negative control: what is not "already there" still fails.
        await Assert.ThrowsAnyAsync<Exception>(() => _runtime.PauseAsync("scangate-no-such-container-" + _label));
    }
}
