using System.CommandLine;
using ScanGate.Cli.Reports;

namespace ScanGate.Cli.Commands;

/// <summary><c>scangate export</c>: the reports the API renders (SARIF, CSV, HTML; CycloneDX and SPDX as the scan kept
/// them) and the two the CLI makes from the findings for CI systems (JUnit, GitLab's security report).</summary>
internal static class ReportCommands
{
    private static readonly string[] Formats = ["sarif", "cyclonedx", "spdx", "csv", "html", "junit", "gitlab-sast"];

    public static void Add(RootCommand root, Cli cli)
    {
        var id = Options.ScanId();
        var format = new Option<string>("--format", "-f") { Description = "Report format", Required = true }.AcceptOnlyFromAmong(Formats);
        var output = Options.Output("the report");
        var command = new Command("export", "Write a scan's report: sarif, cyclonedx, spdx, csv, html, junit or gitlab-sast") { id, format, output };
        command.SetAction(async (parse, ct) =>
        {
            using var client = cli.Client(parse);
            var scanId = parse.GetValue(id)!;
            var path = parse.GetValue(output);
            var kind = parse.GetValue(format)!;
            // Read everything before creating the file, so a refused request leaves no empty report behind.
            Func<Stream, Task> write;
            if (kind is "junit" or "gitlab-sast")
            {
                var (scan, _) = await client.GetResultsAsync(scanId, ct);
                var findings = await client.AllFindingsAsync(scanId, new Dictionary<string, string?>(), ct);
                write = s =>
                {
                    if (kind == "junit") JunitReport.Write(scan, findings, s);
                    else GitlabSecurityReport.Write(scan, findings, s);
                    return Task.CompletedTask;
                };
            }
            else
            {
                var source = kind is "cyclonedx" or "spdx"
                    ? $"/api/v1/scans/{Uri.EscapeDataString(scanId)}/artifacts/{kind}"
                    : $"/api/v1/scans/{Uri.EscapeDataString(scanId)}/findings/export?format={kind}";
                var buffer = new MemoryStream();
                await client.DownloadAsync(source, buffer, ct);
                write = s => { buffer.Position = 0; return buffer.CopyToAsync(s, ct); };
            }
            if (path is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                if (ReferenceEquals(cli.Context.Out, Console.Out)) await write(stdout);
                else
                {
                    var text = new MemoryStream();
                    await write(text);
                    await cli.Context.Out.WriteAsync(System.Text.Encoding.UTF8.GetString(text.ToArray()));
                }
            }
            else
            {
                await using (var file = File.Create(path)) await write(file);
                if (parse.GetValue(cli.Json)) await cli.Context.Out.WriteLineAsync($"{{\"scan_id\":\"{scanId}\",\"format\":\"{kind}\",\"output\":{System.Text.Json.JsonSerializer.Serialize(Path.GetFullPath(path), Api.CliJson.Default.String)}}}");
                else await cli.Context.Error.WriteLineAsync($"Wrote {kind} report of {scanId} to {path}");
            }
            return ExitCodes.GatePassed;
        });
        root.Subcommands.Add(command);
    }
}
