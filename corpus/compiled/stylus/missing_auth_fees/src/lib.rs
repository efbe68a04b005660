//! FeeSplitter: a payment router that takes a protocol fee (in basis points)
//! on every payment it forwards and accrues the fees for the protocol owner.
//!
//! With `--features vulnerable` `withdraw_fees` does not call `only_owner()`
//! (the other admin methods do), so anyone can sweep the accrued fees to an
//! address of their choosing.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;

use alloc::vec::Vec;
use alloy_sol_types::sol;
use stylus_sdk::{
    alloy_primitives::{Address, U256},
    call::transfer::transfer_eth,
    prelude::*,
};

sol! {
    error NotOwner(address caller);
    error FeeTooHigh(uint256 fee_bps);
    error NothingToWithdraw();
    error TransferFailed(address to);

    event PaymentForwarded(address indexed from, address indexed to, uint256 amount, uint256 fee);
    event FeesWithdrawn(address indexed to, uint256 amount);
}

#[derive(SolidityError)]
pub enum FeeSplitterError {
    NotOwner(NotOwner),
    FeeTooHigh(FeeTooHigh),
    NothingToWithdraw(NothingToWithdraw),
    TransferFailed(TransferFailed),
}

sol_storage! {
    #[entrypoint]
    pub struct FeeSplitter {
        address owner;
        uint256 fee_bps;
        uint256 accrued_fees;
        bool initialized;
    }
}

const MAX_FEE_BPS: u64 = 500;

#[public]
impl FeeSplitter {
    pub fn init(&mut self, fee_bps: U256) -> Result<(), FeeSplitterError> {
        if self.initialized.get() {
            return Err(FeeSplitterError::NotOwner(NotOwner { caller: self.vm().msg_sender() }));
        }
        if fee_bps > U256::from(MAX_FEE_BPS) {
            return Err(FeeSplitterError::FeeTooHigh(FeeTooHigh { fee_bps }));
        }
        self.initialized.set(true);
        self.owner.set(self.vm().msg_sender());
        self.fee_bps.set(fee_bps);
        Ok(())
    }

    #[payable]
    pub fn pay(&mut self, to: Address) -> Result<(), FeeSplitterError> {
        let amount = self.vm().msg_value();
        let fee = amount * self.fee_bps.get() / U256::from(10_000u64);
        let accrued = self.accrued_fees.get();
        self.accrued_fees.set(accrued + fee);
        transfer_eth(self.vm(), to, amount - fee)
            .map_err(|_| FeeSplitterError::TransferFailed(TransferFailed { to }))?;
        self.vm().log(PaymentForwarded {
            from: self.vm().msg_sender(),
            to,
            amount,
            fee,
        });
        Ok(())
    }

    pub fn set_fee(&mut self, fee_bps: U256) -> Result<(), FeeSplitterError> {
        self.only_owner()?;
        if fee_bps > U256::from(MAX_FEE_BPS) {
            return Err(FeeSplitterError::FeeTooHigh(FeeTooHigh { fee_bps }));
        }
        self.fee_bps.set(fee_bps);
        Ok(())
    }

    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), FeeSplitterError> {
        self.only_owner()?;
        self.owner.set(new_owner);
        Ok(())
    }

    pub fn withdraw_fees(&mut self, to: Address) -> Result<(), FeeSplitterError> {
        #[cfg(not(feature = "vulnerable"))]
        self.only_owner()?;
        let amount = self.accrued_fees.get();
        if amount.is_zero() {
            return Err(FeeSplitterError::NothingToWithdraw(NothingToWithdraw {}));
        }
        self.accrued_fees.set(U256::ZERO);
        transfer_eth(self.vm(), to, amount)
            .map_err(|_| FeeSplitterError::TransferFailed(TransferFailed { to }))?;
        self.vm().log(FeesWithdrawn { to, amount });
        Ok(())
    }

    pub fn accrued_fees(&self) -> U256 {
        self.accrued_fees.get()
    }

    pub fn owner(&self) -> Address {
        self.owner.get()
    }
}

impl FeeSplitter {
    fn only_owner(&self) -> Result<(), FeeSplitterError> {
        let caller = self.vm().msg_sender();
        if caller != self.owner.get() {
            return Err(FeeSplitterError::NotOwner(NotOwner { caller }));
        }
        Ok(())
    }
}
