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
            // The dark theme's colours are light, so what is written on them is dark; MudBlazor's white fails contrast.
            PrimaryContrastText = "#0b1d33", SecondaryContrastText = "#1f1030", SuccessContrastText = "#0b2414",
            ErrorContrastText = "#330b08", WarningContrastText = "#2b1c00", InfoContrastText = "#0b1d33",
            // Field labels and helper text: MudBlazor's default (white at 50 %) is below 4.5:1 on the dark surface.
            TextSecondary = "rgba(255,255,255,0.72)",
        },
    };
}
