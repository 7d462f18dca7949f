using System.Text.Json;
using System.Xml;
using System.Xml.Schema;
using Json.Schema;
using ScanGate.Tests.Compat;

namespace ScanGate.Tests.CommandLine;

/// <summary>The schemas under tests/tools/schemas the CLI's CI reports are checked against (see the notes in each file
/// on where its rules come from).</summary>
public static class CliReportSchemas
{
    private static string SchemaPath(string name) => Path.Combine(CompatProcess.RepositoryRoot(), "tests", "tools", "schemas", name);

    private static readonly Lazy<XmlSchemaSet> Junit = new(() =>
    {
        var set = new XmlSchemaSet();
        using var reader = XmlReader.Create(SchemaPath("junit.xsd"));
        set.Add(null, reader);
        set.Compile();
        return set;
    });

    private static readonly Lazy<JsonSchema> Gitlab = new(() =>
        JsonSchema.FromText(File.ReadAllText(SchemaPath("gitlab-sast-report-15.2.1.schema.json"))));

    public static IReadOnlyList<string> ValidateJunit(string xml)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Junit.Value };
        settings.ValidationEventHandler += (_, e) => errors.Add($"{e.Severity} line {e.Exception?.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read()) { }
        return errors;
    }

    public static IReadOnlyList<string> ValidateGitlab(JsonElement report)
    {
        var result = Gitlab.Value.Evaluate(report, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid) return [];
        return (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")).ToList();
    }
}
