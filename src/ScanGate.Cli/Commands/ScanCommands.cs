using System.CommandLine;
using ScanGate.Cli.Api;
using ScanGate.Cli.Output;
using Spectre.Console;

namespace ScanGate.Cli.Commands;

/// <summary>Commands on one existing scan: status, results, findings, upload, rescan and the lifecycle commands.</summary>
internal static class ScanCommands
{
    public static void Add(RootCommand root, Cli cli)
    {
        root.Subcommands.Add(Status(cli));
        root.Subcommands.Add(Results(cli));
        root.Subcommands.Add(Findings(cli));
        root.Subcommands.Add(Upload(cli));
        root.Subcommands.Add(Rescan(cli));
        foreach (var (name, what) in new[] { ("pause", "Freeze the scan's scanner containers"), ("resume", "Thaw a paused scan"),
                     ("stop", "Stop the scan and keep the findings so far"), ("cancel", "Cancel the scan and discard its findings") })
            root.Subcommands.Add(Lifecycle(cli, name, what));
    }

    private static Command Status(Cli cli)
    {
        var id = Options.ScanId();
        var command = new Command("status", "Show a scan's state and its scanners' progress") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var (scan, json) = await client.GetScanAsync(parse.GetValue(id)!, ct);
            if (parse.GetValue(cli.Json)) { await cli.Context.Out.WriteLineAsync(json); return ExitCodes.GatePassed; }
            var c = cli.Context.Console;
            c.MarkupLine($"{Markup.Escape(scan.Id)}  {Markup.Escape(scan.ScanType)}  {Markup.Escape(scan.Target)}  [bold]{Markup.Escape(scan.Status)}[/]");
            var table = new Table().AddColumns("scanner", "status", "phase", "percent", "findings");
            foreach (var s in scan.Scanners)
                table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Status), Markup.Escape(s.Phase), s.Percent is { } p ? $"{p}%" : "", s.Counts.Total.ToString());
            c.Write(table);
            if (scan.IsOver) c.MarkupLine($"gate: {(scan.GatePassed switch { true => "[green]passed[/]", false => "[red]failed[/]", null => "not judged" })}");
            return ExitCodes.GatePassed;
        });
        return command;
    }

    private static Command Results(Cli cli)
    {
        var id = Options.ScanId();
        var wait = new Option<bool>("--wait") { Description = "Follow the scan to its end first" };
        var timeout = Options.Timeout("30m");
        var command = new Command("results", "A finished scan's verdict; exits 0, 1 or 2 like scan does") { id, wait, timeout };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var json = parse.GetValue(cli.Json);
            var scanId = parse.GetValue(id)!;
            var (scan, _) = await client.GetResultsAsync(scanId, ct);
            if (!scan.IsOver && parse.GetValue(wait))
            {
                var followed = await ScanCommand.FollowAsync(cli, client, scanId, parse.GetValue(timeout), false, json, json, ct);
                if (followed is null) return ExitCodes.ScanDidNotComplete;
                if (followed.Value.Interrupted) return 130;
                scan = followed.Value.Scan;
            }
            if (!scan.IsOver)
            {
                await cli.Context.Error.WriteLineAsync($"scangate: scan {scanId} is {scan.Status}; no verdict yet (add --wait to follow it)");
                return ExitCodes.ScanDidNotComplete;
            }
            return await ScanCommand.FinishAsync(cli, client, scan, json, null, null, null, ct);
        });
        return command;
    }

    private static Command Findings(Cli cli)
    {
        var id = Options.ScanId();
        var severity = new Option<string?>("--severity") { Description = "Only these severities, comma-separated (e.g. high,critical)" };
        var minSeverity = new Option<string?>("--min-severity") { Description = "Only this severity and worse" }.AcceptOnlyFromAmong(Options.Severities);
        var status = new Option<string?>("--status") { Description = "Only findings in this triage status (open, in_progress, resolved, false_positive, accepted_risk)" };
        var scanner = new Option<string?>("--scanner") { Description = "Only findings of this scanner" };
        var category = new Option<string?>("--category") { Description = "Only findings of this category" };
        var text = new Option<string?>("--text") { Description = "Only findings whose text contains this" };
        var limit = new Option<int>("--limit") { Description = "At most this many (0: all)", DefaultValueFactory = _ => 0 };
        var command = new Command("findings", "List a scan's findings, worst first") { id, severity, minSeverity, status, scanner, category, text, limit };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var filters = new Dictionary<string, string?>
            {
                ["severity"] = parse.GetValue(severity), ["min_severity"] = parse.GetValue(minSeverity), ["status"] = parse.GetValue(status),
                ["scanner"] = parse.GetValue(scanner), ["category"] = parse.GetValue(category), ["text"] = parse.GetValue(text),
            };
            var findings = await client.AllFindingsAsync(parse.GetValue(id)!, filters, ct);
            if (parse.GetValue(limit) is > 0 and var n) findings = findings.Take(n).ToList();
            if (parse.GetValue(cli.Json))
            {
                await cli.Context.Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(
                    new FindingPage(findings, null, findings.Count), CliJson.Default.FindingPage));
                return ExitCodes.GatePassed;
            }
            var table = new Table().AddColumns("severity", "scanner", "title", "where", "status");
            foreach (var f in findings)
                table.AddRow(Markup.Escape(f.Severity), Markup.Escape(f.Scanner), Markup.Escape(f.Title), Markup.Escape(Where(f.Location)), Markup.Escape(f.Status));
            cli.Context.Console.Write(table);
            cli.Context.Console.MarkupLine($"{findings.Count} findings");
            return ExitCodes.GatePassed;
        });
        return command;
    }

    public static string Where(FindingLocation? l) => l switch
    {
        null => "",
        { File: { } file } => l.Line is { } line ? $"{file}:{line}" : file,
        { Url: { } url } => url,
        { Package: { } package } => l.Version is { } v ? $"{package}@{v}" : package,
        { Host: { } host } => l.Port is { } port ? $"{host}:{port}" : host,
        { Image: { } image } => image,
        _ => "",
    };

    private static Command Upload(Cli cli)
    {
        var id = Options.ScanId();
        var file = new Argument<string>("file") { Description = "The report: FILE (format from its name) or FORMAT:FILE" };
        var tool = new Option<string?>("--tool") { Description = "The tool that made it (default: from the report)" };
        var category = new Option<string?>("--category") { Description = "The findings' category (default: from the tool)" };
        var command = new Command("upload", "Add a report made elsewhere (SARIF, CycloneDX, Syft) to a scan's findings and gate") { id, file, tool, category };
        command.Validators.Add(r => { if (r.GetValue(file) is { } f && UploadSpec.Parse(f).Error is { } error) r.AddError(error); });
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var spec = UploadSpec.Parse(parse.GetValue(file)!).Spec!;
            var (upload, json) = await client.UploadAsync(parse.GetValue(id)!, spec.Format, parse.GetValue(tool), parse.GetValue(category), spec.Path, ct);
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json) ? json
                : $"{upload.ScanId}: {upload.Findings} findings from {spec.Path} ({upload.Format}, {upload.Tool}); uploads {upload.Uploads}/{upload.ExpectedUploads}; scan {upload.Status}");
            return ExitCodes.GatePassed;
        });
        return command;
    }

    private static Command Rescan(Cli cli)
    {
        var id = Options.ScanId();
        var wait = new Option<bool>("--wait") { Description = "Follow the new scan to its verdict" };
        var timeout = Options.Timeout("30m");
        var cancelOnInterrupt = new Option<bool>("--cancel-on-interrupt") { Description = "On Ctrl-C cancel the new scan without asking" };
        var command = new Command("rescan", "Start a new scan with the same request") { id, wait, timeout, cancelOnInterrupt };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var json = parse.GetValue(cli.Json);
            var (scan, text) = await client.CommandAsync(parse.GetValue(id)!, "rescan", ct);
            if (!parse.GetValue(wait))
            {
                await cli.Context.Out.WriteLineAsync(json ? text : scan.Id);
                return ExitCodes.GatePassed;
            }
            var followed = await ScanCommand.FollowAsync(cli, client, scan.Id, parse.GetValue(timeout), parse.GetValue(cancelOnInterrupt), json, json, ct);
            if (followed is null) return ExitCodes.ScanDidNotComplete;
            if (followed.Value.Interrupted) return 130;
            return await ScanCommand.FinishAsync(cli, client, followed.Value.Scan, json, null, null, null, ct);
        });
        return command;
    }

    private static Command Lifecycle(Cli cli, string name, string description)
    {
        var id = Options.ScanId();
        var command = new Command(name, description) { id };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var (scan, json) = await client.CommandAsync(parse.GetValue(id)!, name, ct);
            await cli.Context.Out.WriteLineAsync(parse.GetValue(cli.Json) ? json : $"{scan.Id}: {scan.Status}");
            return ExitCodes.GatePassed;
        });
        return command;
    }
}
