// The console's few browser helpers: the remembered theme, and copying a secret to the clipboard.
window.scangate = {
  theme: () => { try { return localStorage.getItem("scangate-theme"); } catch { return null; } },
  setTheme: (value) => { try { localStorage.setItem("scangate-theme", value); } catch { } },
  // Marks the document once the circuit is up (the browser tests wait for it before they click).
  interactive: () => { document.documentElement.dataset.sgInteractive = "true"; },
  copy: async (text) => { await navigator.clipboard.writeText(text); return true; },
};
