using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// kube-linter 0.7 (StackRox) on a Git repository cloned inside its own container: Kubernetes YAML, Helm charts and
/// Kustomize directories against its built-in checks, JSON report (Reports[]: Check, Diagnostic.Message, Remediation,
/// Object.K8sObject, Object.Metadata.FilePath). Its binary is a release download, so the image is built where the
/// internet is reachable (deploy/scanners/kube-linter/Dockerfile). kube-linter has no severities: the checks that
/// hand over the node or the cluster are high, those that widen what a compromised container can do are medium,
/// the rest (hygiene: probes, resources, labels) low.
/// </summary>
public sealed class KubeLinterAdapter : IContainerScanner
{
    public string Name => "kube-linter";
    public string Description => "kube-linter: security and reliability misconfigurations in Kubernetes manifests and Helm charts.";
    public TargetKind TargetKind => TargetKind.GitRepository;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("kubernetes_manifest")];
    public string DefaultImage => "scangate/kube-linter:latest";

    private const string ReportPath = "/out/report.json";
    /// <summary>Where the image's entry point clones the repository; report paths are made relative to it.</summary>
    public const string CloneDirectory = "/work/repo/";

    private static readonly HashSet<string> HighChecks =
    [
        "privileged-container", "privilege-escalation-container", "docker-sock", "host-network", "host-pid", "host-ipc",
        "sensitive-host-mounts", "writable-host-mount", "cluster-admin-role-binding", "access-to-create-pods",
        "env-var-secret", "read-secret-from-env-var", "unsafe-sysctls",
    ];

    private static readonly HashSet<string> MediumChecks =
    [
        "run-as-non-root", "no-read-only-root-fs", "drop-net-raw-capability", "privileged-ports", "unsafe-proc-mount",
        "access-to-secrets", "wildcard-in-rules", "ssh-port", "non-isolated-pod", "latest-tag", "no-system-group-binding",
        "default-service-account", "exposed-services", "host-mounts",
    ];

    // The image's entry point clones the URL (one argument) and lints the clone; "all" adds every built-in check.
    public ContainerPlan Plan(RunSpec spec)
    {
        var checks = spec.Profile == "comprehensive" ? "all" : "default";
        return new()
        {
            Arguments = string.IsNullOrEmpty(spec.Branch) ? [spec.Target, checks] : [spec.Target, checks, spec.Branch],
            ReportPath = ReportPath,
            WorkPaths = ["/work"],
            // kube-linter exits 1 when a check fails: the report is complete either way.
            SuccessExitCodes = [0, 1],
        };
    }

    public IProgressParser NewProgressParser(RunSpec spec) => new ClonePhaseProgress("linting");

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, ["Reports", "[]"], context, cancellationToken: cancellationToken))
        {
            var entry = match.Item;
            var check = entry.Str("Check") ?? "unknown";
            var message = entry.Obj("Diagnostic").Str("Message");
            var target = entry.Obj("Object");
            var k8s = target.Obj("K8sObject");
            var kind = k8s.Obj("GroupVersionKind").Str("Kind");
            var resource = string.Join('/', new[] { kind, k8s.Str("Namespace") is { Length: > 0 } ns ? ns : "default", k8s.Str("Name") }
                .Where(p => !string.IsNullOrEmpty(p)));
            var file = target.Obj("Metadata").Str("FilePath") is { } path && path.StartsWith(CloneDirectory, StringComparison.Ordinal)
                ? path[CloneDirectory.Length..] : target.Obj("Metadata").Str("FilePath");
            var severity = HighChecks.Contains(check) ? Severity.High : MediumChecks.Contains(check) ? Severity.Medium : Severity.Low;
            yield return context.Create(FindingCategories.Misconfiguration, severity,
                resource.Length > 0 ? $"{check}: {resource}" : check, check,
                new FindingLocation { File = file, Resource = resource.Length > 0 ? resource : null },
                description: message, remediation: entry.Str("Remediation"));
        }
    }
}
