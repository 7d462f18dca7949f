using System.CommandLine;
using System.Text.Json;
using ScanGate.Cli.Api;
using ScanGate.Cli.Output;
using ScanGate.Cli.Reports;
using Spectre.Console;

namespace ScanGate.Cli.Commands;

/// <summary><c>scangate scan &lt;type&gt; &lt;target&gt;</c>: trigger, upload, follow live, judge.</summary>
internal static class ScanCommand
{
    public static void Add(RootCommand root, Cli cli)
    {
        var type = new Argument<string>("type") { Description = "Scan type (network_discovery, ssl_security, secret_scan, sast, …; scangate scan-types lists them)" };
        var target = new Argument<string>("target") { Description = "What to scan: host[:ports], URL, Git URL or image, as the scan type takes" };
        var profile = new Option<string?>("--profile") { Description = "Scan profile of the type (e.g. port_scan, service_detection)" };
        var scanners = new Option<string[]>("--scanner") { Description = "Run these scanners of the type (repeatable)", AllowMultipleArgumentsPerToken = true };
        var failOn = Options.FailOn();
        var max = Options.Max();
        var newOnly = new Option<bool>("--new-only") { Description = "Judge only findings new against the project's baseline" };
        var baseCommit = new Option<string?>("--base-commit") { Description = "The baseline is the scan of this commit (with --new-only)" };
        var baseBranch = new Option<string?>("--base-branch") { Description = "The baseline is the last scan of this branch (with --new-only)" };
        var project = new Option<string?>("--project") { Description = "Project key the scan belongs to" };
        var branch = new Option<string?>("--branch") { Description = "Branch being scanned" };
        var commit = new Option<string?>("--commit") { Description = "Commit being scanned" };
        var wait = new Option<bool>("--wait") { Description = "Follow the scan to its verdict (the default)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the scan's id and return at once" };
        var timeout = Options.Timeout("30m");
        var uploads = new Option<string[]>("--upload")
        {
            Description = "A report made elsewhere to judge with the scan: FILE (format from its name: .sarif, .cdx.json) or FORMAT:FILE (repeatable)",
            AllowMultipleArgumentsPerToken = true,
        };
        var cancelOnInterrupt = new Option<bool>("--cancel-on-interrupt") { Description = "On Ctrl-C or SIGINT cancel the scan without asking (for CI)" };
        var plain = new Option<bool>("--plain") { Description = "Timestamped lines instead of live progress bars, even on a terminal" };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report of the findings to this file" };
        var gitlab = new Option<string?>("--gitlab-report") { Description = "Also write a GitLab security report (gl-sast-report.json) to this file" };
        var sarif = new Option<string?>("--sarif") { Description = "Also write the findings as SARIF 2.1.0 to this file" };

        newOnly.Validators.Add(r => { if (r.GetValueOrDefault<bool>() && r.Parent is { } p && p.GetResult(project) is null) r.AddError("--new-only needs --project (the baseline is the project's)"); });
        baseCommit.Validators.Add(r => { if (r.Parent?.GetResult(newOnly) is null) r.AddError("--base-commit only applies with --new-only"); });

        var command = new Command("scan", "Trigger a scan, follow it live and exit with its verdict")
        {
            type, target, profile, scanners, failOn, max, newOnly, baseCommit, baseBranch, project, branch, commit, wait, noWait, timeout,
            uploads, cancelOnInterrupt, plain, junit, gitlab, sarif,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(wait) is not null && r.GetResult(noWait) is not null) r.AddError("--wait and --no-wait contradict each other");
            if (r.GetResult(noWait) is not null && (r.GetResult(uploads) is not null || r.GetResult(junit) is not null || r.GetResult(gitlab) is not null || r.GetResult(sarif) is not null))
                r.AddError("--upload and the report files need the scan to be followed; leave out --no-wait");
            foreach (var u in r.GetValue(uploads) ?? [])
                if (UploadSpec.Parse(u).Error is { } error) r.AddError(error);
        });
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var specs = (parse.GetValue(uploads) ?? []).Select(u => UploadSpec.Parse(u).Spec!).ToList();
            var body = new Dictionary<string, object?>
            {
                ["scan_type"] = parse.GetValue(type), ["target"] = parse.GetValue(target), ["scan_profile"] = parse.GetValue(profile),
                ["fail_on_severity"] = parse.GetValue(failOn), ["project"] = parse.GetValue(project), ["branch"] = parse.GetValue(branch),
                ["commit"] = parse.GetValue(commit),
            };
            if (parse.GetValue(scanners) is { Length: > 0 } named) body["scanners"] = named;
            if (parse.GetValue(max) is { Count: > 0 } m) body["max_counts"] = m;
            if (parse.GetValue(newOnly))
            {
                body["new_only"] = true;
                body["base_commit"] = parse.GetValue(baseCommit);
                body["base_branch"] = parse.GetValue(baseBranch);
            }
            if (specs.Count > 0) body["expected_uploads"] = specs.Count;
            // An empty flag (a CI variable that is not set, e.g. --branch "$GITHUB_HEAD_REF" on a push) is an absent one.
            foreach (var key in body.Where(p => p.Value is null or "").Select(p => p.Key).ToList()) body.Remove(key);

            var (created, createdJson) = await client.CreateScanAsync(body, ct);
            var json = parse.GetValue(cli.Json);
            if (parse.GetValue(noWait))
            {
                if (json) await cli.Context.Out.WriteLineAsync(createdJson);
                else await cli.Context.Out.WriteLineAsync(created.Id);
                return ExitCodes.GatePassed;
            }
            var log = json ? cli.Context.Error : cli.Context.Out;
            if (!json) await log.WriteLineAsync($"Scan {created.Id} queued ({client.BaseAddress}api/v1/scans/{created.Id})");
            foreach (var spec in specs)
            {
                var (upload, _) = await client.UploadAsync(created.Id, spec.Format, null, null, spec.Path, ct);
                await log.WriteLineAsync($"Uploaded {spec.Path} ({upload.Format}): {upload.Findings} findings");
            }

            var scan = await FollowAsync(cli, client, created.Id, parse.GetValue(timeout), parse.GetValue(cancelOnInterrupt), parse.GetValue(plain) || json, json, ct);
            if (scan is null)
            {
                // Timed out or cancelled: CI still gets the scan's state as it is now.
                if (json) await WriteOutcomeAsync(cli, client, (await client.GetResultsAsync(created.Id, ct)).Scan, ExitCodes.ScanDidNotComplete);
                return ExitCodes.ScanDidNotComplete;
            }
            if (scan.Value.Interrupted) return 130;
            return await FinishAsync(cli, client, scan.Value.Scan, json, parse.GetValue(junit), parse.GetValue(gitlab), parse.GetValue(sarif), ct);
        });
        root.Subcommands.Add(command);
    }

    /// <summary>Follows <paramref name="scanId"/> until it is over, the timeout passes (null: exit 2, the scan left running)
    /// or Ctrl-C (the scan cancelled when asked to, else left running).</summary>
    public static async Task<(Scan Scan, bool Interrupted)?> FollowAsync(Cli cli, ScanGateClient client, string scanId, TimeSpan timeout,
        bool cancelOnInterrupt, bool plain, bool quiet, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct, cli.Context.Interrupt);
        limit.CancelAfter(timeout);
        var follower = new ScanEventFollower(client);
        try
        {
            if (cli.Context.IsTerminal && !plain)
            {
                Scan? result = null;
                await cli.Context.Console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .StartAsync(async context => result = await follower.FollowAsync(scanId, new LiveProgress(context), limit.Token));
                return (result!, false);
            }
            var progress = new PlainProgress(quiet ? cli.Context.Error : cli.Context.Out, scanId);
            return (await follower.FollowAsync(scanId, progress, limit.Token), false);
        }
        catch (OperationCanceledException) when (cli.Context.Interrupt.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var cancel = cancelOnInterrupt || (cli.Context.IsTerminal && cli.Context.Console.Profile.Capabilities.Interactive
                && await cli.Context.Console.ConfirmAsync($"Cancel scan {scanId}? (otherwise it keeps running)", defaultValue: false, ct));
            if (!cancel)
            {
                await cli.Context.Error.WriteLineAsync($"scangate: interrupted; scan {scanId} keeps running (scangate status {scanId})");
                return (null!, true);
            }
            var (scan, _) = await client.CommandAsync(scanId, "cancel", ct);
            await cli.Context.Error.WriteLineAsync($"scangate: interrupted; scan {scanId} {scan.Status}");
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await cli.Context.Error.WriteLineAsync($"scangate: scan {scanId} did not finish within {timeout}; it keeps running (scangate status {scanId})");
            return null;
        }
    }

    /// <summary>The verdict table (or the JSON outcome), the report files, and the exit code.</summary>
    public static async Task<int> FinishAsync(Cli cli, ScanGateClient client, Scan scan, bool json, string? junit, string? gitlab, string? sarif, CancellationToken ct)
    {
        var exit = ExitCode(scan);
        if (junit is not null || gitlab is not null)
        {
            var findings = await client.AllFindingsAsync(scan.Id, new Dictionary<string, string?>(), ct);
            if (junit is not null) await using (var file = File.Create(junit)) JunitReport.Write(scan, findings, file);
            if (gitlab is not null) await using (var file = File.Create(gitlab)) GitlabSecurityReport.Write(scan, findings, file);
        }
        if (sarif is not null) await using (var file = File.Create(sarif)) await client.DownloadAsync($"/api/v1/scans/{Uri.EscapeDataString(scan.Id)}/findings/export?format=sarif", file, ct);
        if (json) await WriteOutcomeAsync(cli, client, scan, exit);
        else Format.Verdict(cli.Context.Console, scan);
        return exit;
    }

    private static Task WriteOutcomeAsync(Cli cli, ScanGateClient client, Scan scan, int exit) =>
        cli.Context.Out.WriteLineAsync(JsonSerializer.Serialize(new ScanOutcome(scan.Id, scan.Status, scan.GatePassed, exit, Verdict(exit), scan.Counts,
            scan.Counts.Total, scan.Gate?.Score, scan.Gate?.Grade, scan.Gate?.Reasons ?? [], $"{client.BaseAddress}api/v1/scans/{scan.Id}/results", scan.Scanners),
            CliJson.Default.ScanOutcome));

    public static int ExitCode(Scan scan) => scan.Status switch
    {
        "completed" => scan.GatePassed == true ? ExitCodes.GatePassed : ExitCodes.GateFailed,
        _ => ExitCodes.ScanDidNotComplete,
    };

    public static string Verdict(int exit) => exit switch
    {
        ExitCodes.GatePassed => "passed", ExitCodes.GateFailed => "failed", _ => "incomplete",
    };
}

/// <summary>An --upload argument: FILE, or FORMAT:FILE when the name does not say the format.</summary>
internal sealed record UploadSpec(string Format, string Path)
{
    private static readonly string[] Formats = ["sarif", "cyclonedx", "syft"];

    public static (UploadSpec? Spec, string? Error) Parse(string text)
    {
        var colon = text.IndexOf(':');
        if (colon > 0 && Formats.Contains(text[..colon]))
            return Exists(new UploadSpec(text[..colon], text[(colon + 1)..]));
        var name = System.IO.Path.GetFileName(text).ToLowerInvariant();
        var format = name.EndsWith(".sarif") || name.EndsWith(".sarif.json") ? "sarif"
            : name.EndsWith(".cdx.json") || name.Contains("cyclonedx") ? "cyclonedx"
            : name.Contains("syft") ? "syft" : null;
        return format is null
            ? (null, $"--upload {text}: say the format as FORMAT:FILE ({string.Join(", ", Formats)}); the file name does not tell")
            : Exists(new UploadSpec(format, text));
    }

    private static (UploadSpec?, string?) Exists(UploadSpec spec) =>
        File.Exists(spec.Path) ? (spec, null) : (null, $"--upload: no file '{spec.Path}'");
}
