using ScanGate.Silo;

var app = ScanGateHost.Build(ScanGateHost.CreateBuilder(args));
app.Run();

public partial class Program;
