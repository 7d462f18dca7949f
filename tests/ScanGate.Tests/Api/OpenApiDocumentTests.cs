using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScanGate.Tests.Infrastructure;
using ScanGate.Tests.Reports;

namespace ScanGate.Tests.Api;

/// <summary>/openapi/v1.json as the embedded deployment serves it over real HTTP, linted by Redocly's CLI (npm
/// @redocly/cli, installed by tests/tools/install.sh) with its recommended rules, as a user generating a client would.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<JsonObject> DocumentAsync()
    {
        using var anonymous = _host.ClientFor(null);
        return JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!.AsObject();
    }

    /// <summary>Warnings the document keeps on purpose: ScanGate names no licence, and /healthz has no refusal to document.</summary>
    private static readonly HashSet<(string Rule, string Pointer)> AcceptedWarnings =
    [
        ("info-license", "#/info"),
        ("operation-4xx-response", "#/paths/~1healthz/get/responses"),
    ];

    [Fact]
    public async Task The_document_passes_Redocly_recommended_rules_without_errors()
    {
        var problems = await LintAsync(await DocumentAsync());

        var unexpected = problems.Where(p => p.Severity == "error" || !AcceptedWarnings.Contains((p.Rule, p.Pointer))).ToList();
        Assert.True(unexpected.Count == 0, "Redocly reports:\n" + string.Join('\n', unexpected.Select(p => $"{p.Severity} {p.Rule} at {p.Pointer}: {p.Message}")));
    }

    [Fact]
    public async Task The_lint_does_object_to_an_operation_without_summary_or_responses_and_to_a_missing_security_scheme()
    {
        // Negative controls: the same document with one thing taken away each.
        var noSummary = await DocumentAsync();
        Operation(noSummary, "/api/v1/scans", "post").Remove("summary");
        Assert.Contains(await LintAsync(noSummary), p => p is { Severity: "error", Rule: "operation-summary" } && p.Pointer.Contains("~1api~1v1~1scans/post"));

        // OpenAPI 3.1 lets an operation leave out its responses, so for an operation whose responses are emptied Redocly
        // only warns (a warning the test above does not accept).
        var noResponses = await DocumentAsync();
        Operation(noResponses, "/api/v1/scans", "post")["responses"] = new JsonObject();
        Assert.Contains(await LintAsync(noResponses), p => p.Rule == "operation-2xx-response" && p.Pointer.Contains("~1api~1v1~1scans/post"));

        var noSchemes = await DocumentAsync();
        noSchemes["components"]!.AsObject().Remove("securitySchemes");
        Assert.Contains(await LintAsync(noSchemes), p => p.Severity == "error" && p.Rule is "security-defined" or "no-unresolved-refs");
    }

    [Fact]
    public async Task Triggering_a_scan_documents_its_body_its_202_and_its_refusals_as_problem_json()
    {
        var doc = await DocumentAsync();
        var post = Operation(doc, "/api/v1/scans", "post");

        Assert.Equal("createScan", post["operationId"]!.GetValue<string>());
        var body = Resolve(doc, post["requestBody"]!["content"]!["application/json"]!["schema"]!);
        Assert.Contains("scanners", body["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["scan_type", "target"], body["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order());

        var responses = post["responses"]!.AsObject();
        Assert.DoesNotContain("200", responses.Select(r => r.Key));
        var accepted = Resolve(doc, responses["202"]!["content"]!["application/json"]!["schema"]!);
        Assert.Contains("links", accepted["properties"]!.AsObject().Select(p => p.Key));
        foreach (var status in new[] { "400", "401", "403", "409", "413", "429", "503" })
            Assert.True(responses[status]?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>() == "#/components/schemas/ProblemDetails",
                $"POST /api/v1/scans documents no problem+json {status}: {responses[status]?.ToJsonString()}");

        // Documenting the body changed nothing in how it is read: another content type is still the handler's 400.
        using var notJson = await _host.Http.PostAsync("/api/v1/scans", new StringContent("scan_type=nmap", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("body", JsonNode.Parse(await notJson.Content.ReadAsStringAsync())!["field"]!.GetValue<string>());

        Assert.Equal(["ApiKey", "Bearer"], post["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).Order());
        var schemes = doc["components"]!["securitySchemes"]!;
        Assert.Equal("X-API-Key", schemes["ApiKey"]!["name"]!.GetValue<string>());
        Assert.Equal("header", schemes["ApiKey"]!["in"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["Bearer"]!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_native_operation_is_named_and_summarised_needs_a_key_unless_it_is_health_and_compat_is_left_out()
    {
        var doc = await DocumentAsync();
        var paths = doc["paths"]!.AsObject();
        Assert.DoesNotContain(paths, p => p.Key.StartsWith("/compat/"));
        var operations = paths.SelectMany(p => p.Value!.AsObject().Where(m => m.Key is "get" or "post" or "put" or "patch" or "delete").Select(m => (Path: p.Key, Op: m.Value!))).ToList();
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations");
        Assert.Equal(operations.Count, operations.Select(o => o.Op["operationId"]?.GetValue<string>()).Where(id => id is not null).Distinct().Count());
        foreach (var (path, op) in operations)
        {
            Assert.False(string.IsNullOrWhiteSpace(op["summary"]?.GetValue<string>()), $"{path} has no summary");
            var anonymous = op["security"]!.AsArray() is [JsonObject { Count: 0 }];
            Assert.True(path.StartsWith("/healthz") == anonymous, $"{path}: security {op["security"]!.ToJsonString()}");
        }

        var events = Operation(doc, "/api/v1/scans/{id}/events", "get");
        Assert.NotNull(events["responses"]!["200"]!["content"]!["text/event-stream"]);
        Assert.Contains("Last-Event-ID", events["description"]!.GetValue<string>());
    }

    private static JsonObject Operation(JsonObject doc, string path, string method) => doc["paths"]![path]![method]!.AsObject();

    private static JsonNode Resolve(JsonObject doc, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference ? doc["components"]!["schemas"]![reference.Split('/')[^1]]! : schema;

    private sealed record Problem(string Severity, string Rule, string Pointer, string Message);

    /// <summary>`redocly lint` with its default (recommended) rules on the document; its problems, as its JSON format
    /// lists them.</summary>
    private static async Task<IReadOnlyList<Problem>> LintAsync(JsonObject document)
    {
        var tools = await ReportTools.FolderAsync();
        var folder = Directory.CreateTempSubdirectory("scangate-openapi-").FullName;
        var file = Path.Combine(folder, "openapi.json");
        await File.WriteAllTextAsync(file, document.ToJsonString());
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var a in new[] { Path.Combine(tools, "node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", file, "--format=json" }) psi.ArgumentList.Add(a);
        // No telemetry and no update check: the tests reach nothing outside the machine.
        psi.Environment["REDOCLY_TELEMETRY"] = "off";
        psi.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        Assert.True(output.TrimStart().StartsWith('{'), $"redocly lint wrote no report (exit {process.ExitCode}): {output}{await stderr}");
        using var report = JsonDocument.Parse(output);
        var problems = report.RootElement.GetProperty("problems").EnumerateArray().Select(p => new Problem(
            p.GetProperty("severity").GetString()!, p.GetProperty("ruleId").GetString()!,
            p.GetProperty("location").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } l ? l.GetProperty("pointer").GetString()! : "",
            p.GetProperty("message").GetString()!)).ToList();
        // The exit code agrees with the report: non-zero exactly when there are errors.
        Assert.Equal(problems.Any(p => p.Severity == "error"), process.ExitCode != 0);
        Directory.Delete(folder, recursive: true);
        return problems;
    }
}
