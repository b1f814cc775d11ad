"""Trained models shipped with classicsr (package data) and their manifest."""
