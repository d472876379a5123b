"""Pure renderers: a result in, text or a Rich renderable out."""
