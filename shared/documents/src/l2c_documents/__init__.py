"""Documents a customer receives (quotes, invoices) as PDF files of text lines."""

from l2c_documents.pdf import pdf_text_lines, text_pdf

__all__ = ["pdf_text_lines", "text_pdf"]
