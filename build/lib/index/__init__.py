"""The pure pipeline (text → paragraphs → sentences → tokens → ranked hits) and the SQLite store."""
