using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.CommandLine;

/// <summary>The scangate tool against a real embedded ScanGate running real nmap scans of a loopback listener:
/// exit codes, CI-log output, the resumed event stream, and the machine-readable output.</summary>
public sealed class CliScanTests(CliFixture fixture, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<CliFixture>
{
    [Fact]
    public async Task A_passing_scan_exits_0_with_a_line_per_scanner_step_and_the_verdict_table()
    {
        var reports = Directory.CreateTempSubdirectory("scangate-cli-reports-").FullName;
        var junit = Path.Combine(reports, "junit.xml");
        var gitlab = Path.Combine(reports, "gl-sast-report.json");
        var result = await fixture.Cli().RunAsync("scan", "network_discovery", fixture.Target, "--fail-on", "high",
            "--junit", junit, "--gitlab-report", gitlab);

        log.WriteLine(result.ToString());
        Assert.True(result.Code == 0, result.ToString());
        // CI-log output: timestamped lines, the scanner's phases, then the verdict table.
        Assert.Matches(@"(?m)^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z nmap: running", result.Out);
        Assert.Matches(@"(?m)^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z nmap: done", result.Out);
        Assert.Contains("finished, completed, gate passed", result.Out);
        Assert.Contains("Verdict: gate PASSED (fail on high", result.Out);
        Assert.Matches(@"nmap\s*│\s*completed\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*1", result.Out);
        Assert.False(result.Out.Contains((char)27), "terminal escapes in a CI log:\n" + result.Out.Replace((char)27, '^'));

        // The reports the scan wrote are valid and say the same: info is under the gate, so only the gate's own case.
        Assert.Empty(CliReportSchemas.ValidateJunit(File.ReadAllText(junit)));
        Assert.Contains("tests=\"1\" failures=\"0\" errors=\"0\"", File.ReadAllText(junit));
        var gl = JsonDocument.Parse(File.ReadAllText(gitlab)).RootElement;
        Assert.Empty(CliReportSchemas.ValidateGitlab(gl));
        var vulnerability = Assert.Single(gl.GetProperty("vulnerabilities").EnumerateArray());
        Assert.Equal("Info", vulnerability.GetProperty("severity").GetString());
        Assert.Equal("success", gl.GetProperty("scan").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_failing_gate_exits_1_and_its_json_outcome_parses()
    {
        var result = await fixture.Cli().RunAsync("scan", "network_discovery", fixture.Target, "--fail-on", "none", "--max", "info=0", "--json");

        Assert.True(result.Code == 1, result.ToString());
        var outcome = JsonDocument.Parse(result.Out).RootElement; // stdout is the JSON document alone
        Assert.Equal("completed", outcome.GetProperty("status").GetString());
        Assert.False(outcome.GetProperty("gate_passed").GetBoolean());
        Assert.Equal(1, outcome.GetProperty("exit_code").GetInt32());
        Assert.Equal("failed", outcome.GetProperty("verdict").GetString());
        Assert.Equal(1, outcome.GetProperty("counts").GetProperty("info").GetInt32());
        Assert.Contains(outcome.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("max_counts.info=0"));
        var scanId = outcome.GetProperty("scan_id").GetString()!;
        Assert.StartsWith("scn_", scanId);
        // Progress went to stderr, so stdout stays parseable.
        Assert.Contains("nmap: done", result.Error);

        // The same verdict through results, the findings as JSON, and a JUnit report with a failed finding.
        Assert.Equal(1, (await fixture.Cli().RunAsync("results", scanId)).Code);
        var findings = await fixture.Cli().RunAsync("findings", scanId, "--json");
        Assert.Equal(0, findings.Code);
        var item = Assert.Single(JsonDocument.Parse(findings.Out).RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("info", item.GetProperty("severity").GetString());
        var junit = await fixture.Cli().RunAsync("export", scanId, "--format", "junit");
        Assert.Equal(0, junit.Code);
        Assert.Empty(CliReportSchemas.ValidateJunit(junit.Out));
        Assert.Contains("tests=\"2\" failures=\"2\"", junit.Out); // the gate and the one blocking finding
    }

    [Fact]
    public async Task Ctrl_c_with_cancel_on_interrupt_cancels_the_scan_and_exits_2()
    {
        string? scanId = null;
        var result = await fixture.Cli().RunAsync(["scan", "network_discovery", fixture.Target, "--cancel-on-interrupt"], null, (text, ctrlC) =>
        {
            var m = System.Text.RegularExpressions.Regex.Match(text, @"Scan (scn_\w+) queued");
            if (m.Success && scanId is null) { scanId = m.Groups[1].Value; ctrlC.Cancel(); }
        });

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains($"interrupted; scan {scanId} cancelled", result.Error);
        var scan = JsonDocument.Parse(await fixture.Host.Http.GetStringAsync($"/api/v1/scans/{scanId}")).RootElement;
        Assert.Equal("cancelled", scan.GetProperty("status").GetString());
        // And the tool says the same of it afterwards.
        Assert.Equal(2, (await fixture.Cli().RunAsync("results", scanId!)).Code);
    }

    [Theory]
    [InlineData("scan", "network_discovery")] // no target
    [InlineData("scan", "network_discovery", "127.0.0.1", "--bogus")]
    [InlineData("scan", "network_discovery", "127.0.0.1", "--max", "high=lots")]
    [InlineData("scan", "network_discovery", "127.0.0.1", "--timeout", "soon")]
    [InlineData("scan", "network_discovery", "127.0.0.1", "--fail-on", "severe")]
    [InlineData("scan", "network_discovery", "127.0.0.1", "--wait", "--no-wait")]
    [InlineData("scan", "network_discovery", "127.0.0.1", "--new-only")]
    [InlineData("export", "scn_x", "--format", "pdf")]
    [InlineData("frobnicate")]
    public async Task A_bad_flag_exits_3_before_anything_is_sent(params string[] args)
    {
        // No server at this URL: a usage error must be found before any call.
        var result = await fixture.Cli(new Uri($"http://127.0.0.1:{Net.FreePort()}")).RunAsync(args);
        Assert.True(result.Code == 3, result.ToString());
        Assert.StartsWith("scangate: ", result.Error);
    }

    [Fact]
    public async Task A_request_the_api_refuses_as_invalid_exits_3_with_its_detail()
    {
        var result = await fixture.Cli().RunAsync("scan", "no_such_type", "127.0.0.1");
        Assert.True(result.Code == 3, result.ToString());
        Assert.Contains("unknown scan_type 'no_such_type'", result.Error);
    }

    [Fact]
    public async Task A_revoked_key_exits_4()
    {
        var created = await fixture.Cli().RunAsync("keys", "create", "ci-job", "--preset", "ci-basic", "--json");
        Assert.True(created.Code == 0, created.ToString());
        var key = JsonDocument.Parse(created.Out).RootElement;
        var secret = key.GetProperty("key").GetString()!;
        var ci = fixture.Cli(key: secret);

        var before = await ci.RunAsync("scan", "network_discovery", fixture.Target, "--no-wait");
        Assert.True(before.Code == 0, before.ToString());
        Assert.Matches(@"^scn_\w+\s*$", before.Out);

        Assert.Equal(0, (await fixture.Cli().RunAsync("keys", "revoke", key.GetProperty("id").GetString()!)).Code);
        var after = await ci.RunAsync("status", before.Out.Trim());
        Assert.True(after.Code == 4, after.ToString());
        Assert.Contains("401", after.Error);
        // The key's secret is never echoed back in an error.
        Assert.DoesNotContain(secret, after.Error);
    }

    [Fact]
    public async Task No_server_exits_5_after_its_retries()
    {
        var result = await fixture.Cli(new Uri($"http://127.0.0.1:{Net.FreePort()}")).RunAsync("scan", "network_discovery", "127.0.0.1", "--retries", "2");
        Assert.True(result.Code == 5, result.ToString());
        Assert.Contains("unreachable", result.Error);
    }

    [Fact]
    public async Task An_event_stream_cut_mid_scan_is_resumed_after_the_last_event_and_the_verdict_is_right()
    {
        await using var proxy = new CuttingProxy(fixture.Host.BaseAddress.Port);
        // Cut every connection once the stream has carried a scanner's first progress event, i.e. mid-scan.
        proxy.CutWhen = text => text.Contains("event: progress");
        var result = await fixture.Cli(proxy.BaseAddress).RunAsync("scan", "network_discovery", fixture.Target, "--max", "info=0", "--fail-on", "none");

        log.WriteLine(result.ToString());
        Assert.True(result.Code == 1, result.ToString());
        Assert.Equal(1, proxy.Cuts);
        Assert.Contains("event stream lost", result.Out);
        Assert.Contains("Verdict: gate FAILED", result.Out);
        // The client came back for the same stream, saying where it had got to.
        var streams = proxy.Requests.Where(r => r.Contains("/events")).ToList();
        Assert.True(streams.Count >= 2, string.Join("\n---\n", proxy.Requests));
        Assert.DoesNotContain("Last-Event-ID", streams[0], StringComparison.OrdinalIgnoreCase);
        Assert.Matches(@"(?i)Last-Event-ID: \d+", streams[1]);
        // Nothing shown twice: each scanner phase line appears once.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Out, @"Z nmap: done"));
    }

    [Fact]
    public async Task Login_keeps_the_key_in_a_file_only_its_owner_can_read_and_later_commands_use_it()
    {
        var cli = new CliRunner();
        var login = await cli.RunAsync(["login", "--url", fixture.Host.BaseAddress.ToString(), "--api-key-stdin"], fixture.Host.AdminKey + "\n", null);
        Assert.True(login.Code == 0, login.ToString());
        Assert.DoesNotContain(fixture.Host.AdminKey, login.Out + login.Error);
        var profile = Path.Combine(cli.Home, ".config", "scangate", "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile));

        var list = await cli.RunAsync("projects", "list", "--json");
        Assert.True(list.Code == 0, list.ToString());
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(list.Out).RootElement.GetProperty("items").ValueKind);

        // A wrong key is refused at login and nothing is written.
        var other = new CliRunner();
        var refused = await other.RunAsync(["login", "--url", fixture.Host.BaseAddress.ToString(), "--api-key-stdin"], "sgk_wrong\n", null);
        Assert.Equal(4, refused.Code);
        Assert.False(File.Exists(Path.Combine(other.Home, ".config", "scangate", "config.json")));
    }

    [Fact]
    public async Task Answers_429_and_503_are_retried_after_the_wait_the_server_asks_for()
    {
        var started = await fixture.Cli().RunAsync("scan", "network_discovery", fixture.Target, "--no-wait");
        var scanId = started.Out.Trim();
        await using var proxy = new CuttingProxy(fixture.Host.BaseAddress.Port) { Refuse = (2, 503, 1) };

        var status = await fixture.Cli(proxy.BaseAddress).RunAsync("status", scanId, "--json");

        Assert.True(status.Code == 0, status.ToString());
        Assert.Equal(scanId, JsonDocument.Parse(status.Out).RootElement.GetProperty("id").GetString());
        Assert.Equal(2, proxy.Refused.Count);
        // The retries came after the Retry-After of one second, not at the client's own 50 ms backoff.
        var retried = proxy.Requests.Count(r => r.Contains($"/api/v1/scans/{scanId}"));
        Assert.Equal(3, retried);
        Assert.True(proxy.Refused[1] - proxy.Refused[0] >= TimeSpan.FromMilliseconds(900), $"{proxy.Refused[0]:O} then {proxy.Refused[1]:O}");

        // Still refused after every retry: unreachable, exit 5.
        await using var busy = new CuttingProxy(fixture.Host.BaseAddress.Port) { Refuse = (10, 429, 0) };
        var gaveUp = await fixture.Cli(busy.BaseAddress).RunAsync("status", scanId, "--retries", "2");
        Assert.True(gaveUp.Code == 5, gaveUp.ToString());
        Assert.Equal(3, busy.Refused.Count);
        Assert.Contains("429", gaveUp.Error);
    }
}
