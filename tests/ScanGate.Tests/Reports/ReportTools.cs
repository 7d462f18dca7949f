using System.Text.Json;
using Json.Schema;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Reports;

/// <summary>
/// The outside validators the report tests use, from npm (tests/tools/package.json, installed by
/// tests/tools/install.sh into a cache folder, which tests/run.sh does up front): Microsoft's SARIF multitool, and
/// the CycloneDX JSON schemas that @cyclonedx/cyclonedx-library ships, evaluated with JsonSchema.Net.
/// </summary>
internal static class ReportTools
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync);

    /// <summary>The folder tests/tools/install.sh installed the npm tools into.</summary>
    public static Task<string> FolderAsync() => Installed.Value;

    private static async Task<string> InstallAsync()
    {
        var script = Path.Combine(RepoRoot(), "tests", "tools", "install.sh");
        var output = await Proc.RunCheckedAsync("bash", script);
        return output.Trim().Split('\n')[^1];
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ScanGate.sln not found above the test assembly");
    }

    private const string SpdxValidatorImage = "scangate-test/spdx-validate:latest";
    private static readonly Lazy<Task> SpdxValidatorBuilt = new(async () =>
    {
        if ((await Proc.RunAsync("docker", "image", "inspect", SpdxValidatorImage)).Code == 0) return;
        await Proc.RunCheckedAsync("docker", "build", "--network", "host", "-q", "-t", SpdxValidatorImage, Path.Combine(RepoRoot(), "tests", "tools", "spdx-validate"));
    });

    /// <summary>What the SPDX project's own Go library (tools-golang, as Debian packages it; tests/tools/spdx-validate)
    /// says of an SPDX JSON document: whether it reads as SPDX 2.3 and passes its document validation, and why not.</summary>
    public static async Task<(bool Valid, string Output)> ValidateSpdxAsync(string file)
    {
        await SpdxValidatorBuilt.Value;
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (code, output, error) = await Proc.RunAsync("docker", "run", "--rm", "--network", "none", "-v", $"{file}:/doc.spdx.json:ro", SpdxValidatorImage, "/doc.spdx.json");
        Assert.True(code is 0 or 1, $"the SPDX validator could not run ({code}): {output}{error}");
        return (code == 0, output + error);
    }

    /// <summary>What `Sarif.Multitool validate` reports about a file: each problem's level ("error", "warning",
    /// "note"), rule and message.</summary>
    public static async Task<IReadOnlyList<(string Level, string Rule, string Message)>> ValidateSarifAsync(string file)
    {
        var dir = await Installed.Value;
        // The npm package's main module names the binary for this platform.
        var tool = (await Proc.RunCheckedAsync("node", "-p", $"require({JsonSerializer.Serialize(Path.Combine(dir, "node_modules", "@microsoft", "sarif-multitool"))})")).Trim();
        var output = file + ".validation.sarif";
        var (code, stdout, stderr) = await Proc.RunAsync(tool, "validate", file, "--output", output, "--log", "ForceOverwrite");
        Assert.True(File.Exists(output), $"the multitool wrote no output (exit {code}): {stdout} {stderr}");
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var problems = new List<(string, string, string)>();
        foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
        {
            foreach (var result in run.TryGetProperty("results", out var results) ? results.EnumerateArray() : default)
            {
                var level = result.TryGetProperty("level", out var l) ? l.GetString()! : "warning"; // SARIF's default level
                var args = result.GetProperty("message").TryGetProperty("arguments", out var a) ? string.Join(" | ", a.EnumerateArray().Select(x => x.GetString())) : "";
                problems.Add((level, result.GetProperty("ruleId").GetString()!, args));
            }
            // A file the tool cannot read at all is a notification, not a result.
            if (run.TryGetProperty("invocations", out var invocations))
                foreach (var inv in invocations.EnumerateArray())
                    if (inv.TryGetProperty("toolExecutionNotifications", out var notes))
                        foreach (var note in notes.EnumerateArray())
                            problems.Add((note.TryGetProperty("level", out var nl) ? nl.GetString()! : "warning", "notification", note.GetProperty("message").GetProperty("text").GetString()!));
        }
        File.Delete(output);
        return problems;
    }

    private static readonly Lazy<Task<JsonSchema>> CycloneDx15Schema = new(async () =>
    {
        var schemas = Path.Combine(await Installed.Value, "node_modules", "@cyclonedx", "cyclonedx-library", "res", "schema");
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        // bom-1.5 refers to its companions by their file names in this folder, relative to its own $id.
        foreach (var companion in new[] { "spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json" })
        {
            var uri = new Uri("http://cyclonedx.org/schema/" + companion);
            options.SchemaRegistry.Register(uri, JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(schemas, companion)), options, uri));
        }
        return JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(schemas, "bom-1.5.SNAPSHOT.schema.json")), options);
    });

    /// <summary>The errors of evaluating a document against the CycloneDX 1.5 JSON schema (formats checked too).</summary>
    public static async Task<IReadOnlyList<string>> ValidateCycloneDx15Async(JsonElement bom)
    {
        var schema = await CycloneDx15Schema.Value;
        var result = schema.Evaluate(bom, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid) return [];
        return (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")).ToList();
    }
}
