"""Documents a customer receives (quotes, invoices): PDF files of text lines and HTML pages."""

from l2c_documents.html import html_template
from l2c_documents.pdf import pdf_text_lines, text_pdf

__all__ = ["html_template", "pdf_text_lines", "text_pdf"]
