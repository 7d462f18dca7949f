using System.Runtime.CompilerServices;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Checkov 3.2 (PyPI, so its image is built only where the internet is reachable): misconfigured infrastructure
/// as code (Terraform, CloudFormation, Kubernetes, Dockerfiles, Helm, …) in a repository. JSON report: one object
/// per framework, or an array of them when several ran, each with <c>check_type</c> and
/// <c>results.failed_checks[]</c> (<c>check_id</c>, <c>check_name</c>, <c>file_path</c>, <c>file_line_range</c>,
/// <c>resource</c>, <c>severity</c>, <c>guideline</c>). Checkov leaves <c>severity</c> null unless it is connected to
/// its platform: null is medium. Its <c>secrets</c> framework's findings are category <c>secret</c> (their code
/// blocks are never kept), every other framework's <c>iac</c>. A report with nothing to check is a bare summary object.
/// </summary>
public sealed class CheckovAdapter : RepositoryScanner
{
    public override string Name => "checkov";
    public override string Description => "Checkov: misconfigured infrastructure as code (Terraform, CloudFormation, Kubernetes, Dockerfile, …); image built where PyPI is reachable.";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("iac_scan"), new("code_security")];
    protected override string ReportPath => "/out/report.json";
    protected override long MemoryBytes => 2048L * 1024 * 1024;

    private static readonly string[] FailedPath = ["results", "failed_checks", "[]"];
    private static readonly string[] Captures = ["check_type"];

    public override async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, FailedPath, context, Captures, cancellationToken))
        {
            var check = match.Item;
            var rule = check.Str("check_id") ?? "unknown";
            var name = check.Str("check_name") ?? rule;
            var resource = check.Str("resource");
            var file = SourcePaths.Relative(check.Str("file_path"), CloneRoot);
            var (first, last) = LineRange(check);
            var guideline = check.Str("guideline");
            var category = match.Str("check_type") == "secrets" ? FindingCategories.Secret : FindingCategories.Iac;
            var where = last is not null && last != first ? $"lines {first}–{last}" : first is not null ? $"line {first}" : null;
            yield return context.Create(category, check.Str("severity") is { } word ? SeverityScale.FromWord(word) : Severity.Medium,
                FindingText.Headline(resource is null ? $"{rule}: {name}" : $"{rule}: {name} ({resource})"), rule,
                new FindingLocation { File = file, Line = first },
                description: $"{name}. Check {rule} failed" + (resource is null ? "" : $" for {resource}")
                    + (file is null ? "" : $" in {file}") + (where is null ? "." : $", {where}."),
                remediation: guideline is null ? null : $"See {guideline}",
                references: guideline is null ? null : [guideline]);
        }
    }

    private static (int? First, int? Last) LineRange(JsonElement check)
    {
        if (!check.TryGetProperty("file_line_range", out var range) || range.ValueKind != JsonValueKind.Array || range.GetArrayLength() == 0)
            return (null, null);
        int? At(int i) => i < range.GetArrayLength() && range[i].ValueKind == JsonValueKind.Number && range[i].TryGetInt32(out var n) && n > 0 ? n : null;
        return (At(0), At(range.GetArrayLength() - 1));
    }
}
