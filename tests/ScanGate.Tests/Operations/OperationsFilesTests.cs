using System.Reflection;
using ScanGate.Contracts;
using ScanGate.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ScanGate.Tests.Operations;

/// <summary>
/// The Kubernetes manifests and docs/operations.md, checked as files. No Kubernetes cluster can run on the project's
/// machines, so the manifests are a stand-in check: they parse as YAML, carry the fields Kubernetes requires, and
/// agree with each other and with the code (probe paths, the labels and environment Orleans' Kubernetes hosting reads,
/// selectors that select something). Nothing here proves a cluster would run them.
/// </summary>
public sealed class OperationsFilesTests
{
    private static readonly string KubernetesDir = Path.Combine(Repository.Root(), "deploy", "kubernetes");

    private static List<YamlMappingNode> Manifests() =>
        Directory.GetFiles(KubernetesDir, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(file =>
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file)) stream.Load(reader);
            return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>();
        }).ToList();

    private static YamlNode? At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next)) return null;
            node = next;
        }
        return node;
    }

    private static string? Text(YamlNode node, params string[] path) => (At(node, path) as YamlScalarNode)?.Value;

    private static Dictionary<string, string> Map(YamlNode? node) =>
        node is YamlMappingNode m ? m.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? "") : [];

    [Fact]
    public void Kubernetes_manifests_parse_and_carry_the_required_fields_stand_in_for_a_cluster()
    {
        var manifests = Manifests();
        Assert.NotEmpty(manifests);
        foreach (var m in manifests)
        {
            Assert.False(string.IsNullOrEmpty(Text(m, "apiVersion")), "a manifest without apiVersion");
            Assert.False(string.IsNullOrEmpty(Text(m, "kind")), "a manifest without kind");
            Assert.False(string.IsNullOrEmpty(Text(m, "metadata", "name")), $"a {Text(m, "kind")} without metadata.name");
        }
        var kinds = manifests.Select(m => Text(m, "kind")).ToHashSet();
        foreach (var kind in new[] { "Deployment", "PodDisruptionBudget", "ConfigMap", "Service", "ServiceAccount", "Role", "RoleBinding", "Job", "Secret" })
            Assert.Contains(kind, kinds);

        // The kustomization lists every manifest file there is.
        var kustomization = File.ReadAllText(Path.Combine(KubernetesDir, "kustomization.yaml"));
        foreach (var file in Directory.GetFiles(KubernetesDir, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml"))
            Assert.Contains("- " + file, kustomization);

        var deployments = manifests.Where(m => Text(m, "kind") == "Deployment").ToList();
        foreach (var deployment in deployments)
        {
            var name = Text(deployment, "metadata", "name");
            var selector = Map(At(deployment, "spec", "selector", "matchLabels"));
            var podLabels = Map(At(deployment, "spec", "template", "metadata", "labels"));
            Assert.NotEmpty(selector);
            Assert.All(selector, l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
            var container = Assert.IsType<YamlSequenceNode>(At(deployment, "spec", "template", "spec", "containers")).Children[0];
            Assert.Equal("/healthz/ready", Text(container, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/healthz/live", Text(container, "livenessProbe", "httpGet", "path"));
            Assert.False(string.IsNullOrEmpty(Text(container, "image")), $"{name}: no image");
            // Every ConfigMap and Secret a container reads exists.
            foreach (var source in (At(container, "envFrom") as YamlSequenceNode)?.Children ?? [])
            {
                var (kind, refName) = Text(source, "configMapRef", "name") is { } cm ? ("ConfigMap", cm) : ("Secret", Text(source, "secretRef", "name")!);
                Assert.Contains(manifests, m => Text(m, "kind") == kind && Text(m, "metadata", "name") == refName);
            }
        }

        // The silo: Orleans' Kubernetes hosting reads these labels and variables.
        var silo = Assert.Single(deployments, d => Text(d, "metadata", "name") == "scangate-silo");
        var siloLabels = Map(At(silo, "spec", "template", "metadata", "labels"));
        Assert.True(siloLabels.ContainsKey("orleans/serviceId") && siloLabels.ContainsKey("orleans/clusterId"));
        var siloContainer = ((YamlSequenceNode)At(silo, "spec", "template", "spec", "containers")!).Children[0];
        var env = ((YamlSequenceNode)At(siloContainer, "env")!).Children.Select(e => Text(e, "name")).ToHashSet();
        foreach (var variable in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID", "ScanGate__Orleans__Kubernetes" })
            Assert.Contains(variable, env);
        Assert.Equal("scangate-silo", Text(silo, "spec", "template", "spec", "serviceAccountName"));

        // Selectors of the budget and the service select pods that exist.
        foreach (var selecting in manifests.Where(m => Text(m, "kind") is "PodDisruptionBudget" or "Service"))
        {
            var selector = Map(At(selecting, "spec", "selector", "matchLabels") ?? At(selecting, "spec", "selector"));
            Assert.NotEmpty(selector);
            Assert.Contains(deployments, d => selector.All(l => Map(At(d, "spec", "template", "metadata", "labels")).GetValueOrDefault(l.Key) == l.Value));
        }
    }

    /// <summary>docs/operations.md names every metric ScanGate records, as Prometheus shows it.</summary>
    [Fact]
    public void Operations_guide_names_every_scangate_metric()
    {
        var doc = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "operations.md"));
        var names = typeof(ScanGateTelemetry.Metrics).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
            Assert.True(doc.Contains($"`{name}`") && doc.Contains($"`{name.Replace('.', '_')}"), $"docs/operations.md does not name {name} (and its Prometheus name)");
        foreach (var path in new[] { "/healthz/live", "/healthz/ready", "/metrics", "/dashboard" })
            Assert.Contains(path, doc);
    }
}
