using MudBlazor;

namespace ScanGate.WebConsole.Components.Layout;

/// <summary>The console's colours, chosen for contrast (WCAG AA) in both themes.</summary>
public static class ConsoleTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fae", Secondary = "#6b3fa0", AppbarBackground = "#17324f", Success = "#1b7a3a", Error = "#b3261e",
            Warning = "#8a5300", Info = "#1f5fae",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ab4f8", Secondary = "#c8a8f0", AppbarBackground = "#10243a", Success = "#7fd39a", Error = "#f2a19b",
            Warning = "#f3c06b", Info = "#8ab4f8",
        },
    };
}
