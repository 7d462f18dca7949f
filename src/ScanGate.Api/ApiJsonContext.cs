using System.Text.Json.Serialization;

namespace ScanGate.Api;

/// <summary>Source-generated JSON for the answers CI polls most, so the hot path does no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ScanView))]
[JsonSerializable(typeof(ResultsView))]
[JsonSerializable(typeof(ScanListView))]
[JsonSerializable(typeof(FindingPageView))]
[JsonSerializable(typeof(ArtifactListView))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
