using ScanGate.Contracts;

namespace ScanGate.WebConsole.Components.Shared;

/// <summary>What the triage panel asks for: the selected findings' new status and its note.</summary>
public sealed record TriageChoice(FindingStatus Status, string? Note);
