"""Test support code: stand-ins and builders of test inputs."""
