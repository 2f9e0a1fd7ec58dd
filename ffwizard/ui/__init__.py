"""The Textual wizard. The only package allowed to import Textual."""
