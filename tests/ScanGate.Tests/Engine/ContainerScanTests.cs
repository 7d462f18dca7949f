using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>Real scanner tools in real containers on the machine's Docker engine, driven by real grains
/// in an in-process Orleans test cluster. Targets live on 127.0.0.1 only.</summary>
public sealed class ContainerScanTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;
    private WeakTlsServer _tls = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScanCluster.StartAsync();
        _tls = await WeakTlsServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _tls.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Nmap_finds_the_port_the_test_opened_and_not_the_one_it_left_closed()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        var closedPort = Net.FreePort();

        var id = await _cluster.StartScanAsync(new { scan_type = "network_discovery", target = $"127.0.0.1:{openPort},{closedPort}", scan_profile = "port_scan" });
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.Equal(ScanStatus.Completed, done.Status);
        var findings = await _cluster.AllFindingsAsync(id);
        Assert.Contains(findings, f => f.Location.Port == openPort && f.Location.Host == "127.0.0.1" && f.Scanner == "nmap");
        Assert.DoesNotContain(findings, f => f.Location.Port == closedPort);
        Assert.Equal(findings.Count, done.Counts.Total);
        Assert.True(done.GatePassed);
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id)); // removed once done

        // The tool's own report and the scan's log are kept as artifacts.
        var artifacts = _cluster.SiloServices.GetRequiredService<ScanGate.Storage.IArtifactStore>();
        var kept = await artifacts.ListAsync(id);
        Assert.Contains(kept, a => a.Name == "nmap.xml" && a.Type == ArtifactType.RawReport && a.Size > 0);
        Assert.Contains(kept, a => a.Name == "scan.log" && a.Type == ArtifactType.Log);
        await using (var report = await artifacts.OpenAsync(id, "nmap.xml"))
            Assert.Contains($"portid=\"{openPort}\"", await new StreamReader(report!.Content).ReadToEndAsync());
        await using (var log = await artifacts.OpenAsync(id, "scan.log"))
            Assert.Contains("[nmap] ", await new StreamReader(log!.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Testssl_reports_the_weaknesses_of_a_weakly_configured_tls_listener()
    {
        var id = await _cluster.StartScanAsync(new { scan_type = "ssl_security", target = $"127.0.0.1:{_tls.Port}", scan_profile = "quick" });
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.Equal(ScanStatus.Completed, done.Status);
        var findings = await _cluster.AllFindingsAsync(id);
        var chain = Assert.Single(findings, f => f.RuleId == "cert_chain_of_trust");
        Assert.Equal(Severity.Critical, chain.Severity);
        Assert.Equal(_tls.Port, chain.Location.Port);
        Assert.Contains(findings, f => f.RuleId == "cert_subjectAltName");
        Assert.False(done.GatePassed); // fail_on_severity defaults to critical
        Assert.Contains(done.GateReasons, r => r.Contains("at or above critical"));
    }

    [Fact]
    public async Task Gitleaks_finds_the_secret_planted_in_a_repository_served_on_loopback()
    {
        await using var git = await GitRepositoryServer.StartAsync();
        var id = await _cluster.StartScanAsync(new { scan_type = "secret_scan", target = git.Url, fail_on_severity = "high" });
        var done = await _cluster.WaitForEndAsync(id, Long);

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var leak = Assert.Single(await _cluster.AllFindingsAsync(id));
        Assert.Equal("aws-access-token", leak.RuleId);
        Assert.Equal(GitRepositoryServer.SecretFile, leak.Location.File);
        Assert.Equal(GitRepositoryServer.SecretLine, leak.Location.Line);
        Assert.DoesNotContain(GitRepositoryServer.PlantedKeyId, JsonSerializer.Serialize(leak));
        Assert.False(done.GatePassed);
    }

    [Fact]
    public async Task Pause_freezes_the_hardened_container_and_the_scan_completes_after_resume()
    {
        var id = await _cluster.StartScanAsync(new { scan_type = "ssl_security", target = $"127.0.0.1:{_tls.Port}", scan_profile = "standard" });
        await _cluster.WaitForAsync(id, s => s.Scanners.Single().Phase == RunPhase.Running, Long, "testssl running");
        var containerId = Assert.Single(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));

        var paused = await _cluster.Scan(id).Pause();
        Assert.True(paused.Ok, paused.Message);
        Assert.Equal(ScanStatus.Paused, paused.Snapshot!.Status);
        await WaitForDockerAsync(containerId, "{{.State.Paused}}", "true");
        Assert.Equal("paused", await DockerCli.InspectAsync(containerId, "{{.State.Status}}"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("true", await DockerCli.InspectAsync(containerId, "{{.State.Paused}}"));
        Assert.Equal(ScanStatus.Paused, (await _cluster.Scan(id).Get())!.Status);

        // The sandbox, as the engine reports it.
        Assert.Equal("true", await DockerCli.InspectAsync(containerId, "{{.HostConfig.ReadonlyRootfs}}"));
        Assert.Equal("[ALL]", await DockerCli.InspectAsync(containerId, "{{.HostConfig.CapDrop}}"));
        Assert.Contains("no-new-privileges", await DockerCli.InspectAsync(containerId, "{{.HostConfig.SecurityOpt}}"));
        Assert.NotEqual("0", await DockerCli.InspectAsync(containerId, "{{.HostConfig.Memory}}"));
        Assert.NotEqual("0", await DockerCli.InspectAsync(containerId, "{{.HostConfig.NanoCpus}}"));
        Assert.NotEqual("<nil>", await DockerCli.InspectAsync(containerId, "{{.HostConfig.PidsLimit}}"));
        Assert.Equal("10001", await DockerCli.InspectAsync(containerId, "{{.Config.User}}"));
        Assert.Equal("host", await DockerCli.InspectAsync(containerId, "{{.HostConfig.NetworkMode}}"));
        Assert.Equal("testssl", await DockerCli.InspectAsync(containerId, "{{index .Config.Labels \"scangate.scanner\"}}"));
        Assert.Equal("org_test", await DockerCli.InspectAsync(containerId, "{{index .Config.Labels \"scangate.org\"}}"));

        var again = await _cluster.Scan(id).Pause();
        Assert.Equal(CommandError.Conflict, again.Error);
        Assert.Contains("it is paused", again.Message);

        var resumed = await _cluster.Scan(id).Resume();
        Assert.True(resumed.Ok, resumed.Message);
        await WaitForDockerAsync(containerId, "{{.State.Paused}}", "false");

        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(6));
        Assert.Equal(ScanStatus.Completed, done.Status);
        Assert.Equal(RunStatus.Completed, done.Scanners.Single().Status);
        Assert.Contains(await _cluster.AllFindingsAsync(id), f => f.RuleId == "cert_chain_of_trust");
    }

    [Fact]
    public async Task Stop_kills_the_container_and_keeps_the_findings_written_so_far()
    {
        var id = await _cluster.StartScanAsync(new { scan_type = "ssl_security", target = $"127.0.0.1:{_tls.Port}", scan_profile = "standard" });
        // Past the cipher categories: testssl has written entries (the anonymous ciphers among them) to its report.
        await _cluster.WaitForAsync(id, s => s.Scanners.Single().Percent >= 25, Long, "testssl past its cipher categories");

        var stopped = await _cluster.Scan(id).Stop();
        Assert.True(stopped.Ok, stopped.Message);
        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(1));

        Assert.Equal(ScanStatus.Stopped, done.Status);
        Assert.Equal(RunStatus.Stopped, done.Scanners.Single().Status);
        var findings = await _cluster.AllFindingsAsync(id);
        Assert.NotEmpty(findings);
        Assert.DoesNotContain(findings, f => f.RuleId == "cert_chain_of_trust"); // the certificate section had not run yet
        Assert.Equal(findings.Count, done.Counts.Total);
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));
        Assert.Equal(CommandError.Conflict, (await _cluster.Scan(id).Resume()).Error);
    }

    [Fact]
    public async Task Cancel_leaves_no_container_and_no_findings()
    {
        var id = await _cluster.StartScanAsync(new { scan_type = "ssl_security", target = $"127.0.0.1:{_tls.Port}", scan_profile = "standard" });
        await _cluster.WaitForAsync(id, s => s.Scanners.Single().Percent >= 25, Long, "testssl past its cipher categories");
        Assert.NotEmpty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));

        Assert.True((await _cluster.Scan(id).Cancel()).Ok);
        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(1));

        Assert.Equal(ScanStatus.Cancelled, done.Status);
        Assert.Empty(await _cluster.AllFindingsAsync(id));
        Assert.Equal(0, done.Counts.Total);
        Assert.False(done.GatePassed);
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));
        var twice = await _cluster.Scan(id).Cancel();
        Assert.Equal(CommandError.Conflict, twice.Error);
        Assert.Contains("cancelled", twice.Message);
    }

    [Fact]
    public async Task Rescan_starts_a_new_scan_of_the_same_request_and_links_both()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        var port = ((IPEndPoint)open.LocalEndpoint).Port;
        var first = await _cluster.StartScanAsync(new { scan_type = "network_discovery", target = $"127.0.0.1:{port}", pipeline_context = new { job = 42 } });
        Assert.Equal(CommandError.Conflict, (await _cluster.Scan(first).Rescan()).Error); // still running
        await _cluster.WaitForEndAsync(first, Long);

        var again = await _cluster.Scan(first).Rescan();
        Assert.True(again.Ok, again.Message);
        var second = again.Snapshot!.Id;
        Assert.NotEqual(first, second);
        Assert.Equal(first, again.Snapshot.RescanOf);
        Assert.Equal(second, (await _cluster.Scan(first).Get())!.RescannedAs);
        var done = await _cluster.WaitForEndAsync(second, Long);
        Assert.Equal(ScanStatus.Completed, done.Status);
        Assert.Equal("{\"job\":42}", done.Request.PipelineContextJson);
        Assert.Contains(await _cluster.AllFindingsAsync(second), f => f.Location.Port == port);
    }

    [Fact]
    public async Task Leftover_containers_of_unknown_runs_are_removed_by_the_reaper()
    {
        var runtime = _cluster.SiloServices.GetRequiredService<IContainerRuntime>();
        var clusterId = _cluster.SiloServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ClusterId;
        var orphan = await runtime.CreateAsync(new ContainerSpec
        {
            Image = "scangate/nmap:latest", Arguments = ["--version"],
            Labels = new Dictionary<string, string> { [ContainerLabels.Cluster] = clusterId, [ContainerLabels.Run] = "scn_GONE/nmap", [ContainerLabels.Scan] = "scn_GONE" },
        }, CancellationToken.None);

        var removed = await _cluster.SiloServices.GetRequiredService<OrphanContainerReaper>().ReapAsync();

        Assert.True(removed >= 1);
        Assert.Null(await runtime.InspectAsync(orphan));
    }

    private static Task WaitForDockerAsync(string containerId, string format, string expected) =>
        Eventually.ValueAsync(() => DockerCli.InspectAsync(containerId, format), v => v == expected, TimeSpan.FromSeconds(20),
            $"docker inspect {format} of {containerId} saying {expected}");
}

/// <summary>A run past its scanner's timeout is killed and failed with the reason; its sibling is unaffected.</summary>
public sealed class ScannerTimeoutTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;
    private WeakTlsServer _tls = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ScanCluster.StartAsync(o => o.Overrides["testssl"] = new ScannerSettings { TimeoutSeconds = 3 });
        _tls = await WeakTlsServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _tls.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_scanner_past_its_timeout_fails_with_the_reason_while_its_sibling_succeeds()
    {
        var id = await _cluster.StartScanAsync(new
        {
            scan_type = "ssl_security", target = $"127.0.0.1:{_tls.Port}", scan_profile = "standard", scanners = new[] { "testssl", "sslscan" },
            fail_on_severity = "none",
        });
        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal(ScanStatus.Completed, done.Status);
        var testssl = done.Scanners.Single(s => s.Name == "testssl");
        Assert.Equal(RunStatus.Failed, testssl.Status);
        Assert.Contains("timed out after 3 s", testssl.Error);
        Assert.Equal(RunStatus.Completed, done.Scanners.Single(s => s.Name == "sslscan").Status);
        Assert.Contains(await _cluster.AllFindingsAsync(id), f => f.Scanner == "sslscan" && f.RuleId!.StartsWith("cipher-anonymous:", StringComparison.Ordinal));
        Assert.Contains(done.GateReasons, r => r.StartsWith("scanner testssl failed: timed out", StringComparison.Ordinal));
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));
    }
}
